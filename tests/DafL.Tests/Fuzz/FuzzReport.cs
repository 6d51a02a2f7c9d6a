using System.Text.Json;

namespace DafL.Tests.Fuzz;

/// <summary>
/// The tallies of a mutation campaign, appended as one JSON line per kind to the file named by DAFL_FUZZ_REPORT
/// (docs/RELIABILITY.md's table is made from it); nothing is written without the variable.
/// </summary>
public static class FuzzReport
{
    public static void Record(string kind, int mutations, double seconds, IReadOnlyDictionary<FuzzOutcome, int> tally)
    {
        var path = Environment.GetEnvironmentVariable("DAFL_FUZZ_REPORT");
        if (string.IsNullOrEmpty(path)) return;
        var line = JsonSerializer.Serialize(new
        {
            kind, mutations, seconds = Math.Round(seconds, 1),
            outcomes = tally.Where(t => t.Value > 0).ToDictionary(t => t.Key.ToString(), t => t.Value),
        });
        File.AppendAllText(path, line + "\n");
    }
}
