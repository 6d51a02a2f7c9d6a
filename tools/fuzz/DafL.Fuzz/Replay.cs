using System.Diagnostics;

namespace DafL.Fuzzing;

/// <summary>
/// Runs inputs through a target once each, on the uninstrumented build, and prints one line per input:
/// <c>FILE&lt;tab&gt;OUTCOME&lt;tab&gt;SIGNATURE&lt;tab&gt;MESSAGE</c>. OUTCOME is accepted, rejected, crash or hang;
/// SIGNATURE names the exception type and the first DafL frame it came from, so that tools/Fuzz.ps1 keeps one input
/// per distinct fault out of the many that AFL saves for the same bug. A hang ends the process (exit code 3) after
/// its line, since a stuck thread cannot be stopped; the script replays the remaining inputs in a new process, as it
/// does when an uncatchable fault (a stack overflow) kills this one before an input's line is printed.
/// </summary>
static class Replay
{
    /// <summary>Twice afl-fuzz's per-input timeout in tools/Fuzz.ps1: an input slower than this is a hang.</summary>
    static readonly TimeSpan HangAfter = TimeSpan.FromSeconds(10);

    public const int HangExitCode = 3;

    public static int Run(FuzzTarget target, string scratch, IEnumerable<string> files)
    {
        Directory.CreateDirectory(scratch);
        foreach (var file in files)
        {
            var input = File.ReadAllBytes(file);
            var run = Task.Run(() => target.Run(input, scratch));
            try
            {
                if (!run.Wait(HangAfter))
                {
                    Print(file, "hang", "hang", $"no outcome after {HangAfter.TotalSeconds:0} s");
                    return HangExitCode;
                }
                if (run.Result is { } rejection) Print(file, "rejected", rejection.GetType().Name, rejection.Message);
                else Print(file, "accepted", "accepted", "");
            }
            catch (AggregateException e) when (e.InnerExceptions is [var crash])
            {
                Print(file, "crash", Signature(crash), crash.Message);
            }
        }
        return 0;
    }

    /// <summary>
    /// The exception's type (and its inner exception's), the method that threw it, and the first frame in our code
    /// (DafL.*, not this program) that it passed: one parser call such as a JSON deserialisation fails in many ways.
    /// </summary>
    static string Signature(Exception e)
    {
        var ours = new StackTrace(e).GetFrames()
            .Select(f => f.GetMethod())
            .FirstOrDefault(m => m?.DeclaringType?.Namespace is { } ns && IsOurs(ns));
        string where = ours is null ? "outside DafL" : $"{ours.DeclaringType!.FullName}.{ours.Name}";
        string inner = e.InnerException is { } i ? $" ({i.GetType().FullName})" : "";
        return $"{e.GetType().FullName}{inner} thrown by {e.TargetSite?.DeclaringType?.Name}.{e.TargetSite?.Name} at {where}";
    }

    static bool IsOurs(string ns) =>
        (ns == "DafL" || ns.StartsWith("DafL.", StringComparison.Ordinal)) && ns != typeof(Replay).Namespace;

    static void Print(string file, string outcome, string signature, string message) =>
        Console.WriteLine($"{file}\t{outcome}\t{signature}\t{message.ReplaceLineEndings(" ").Replace('\t', ' ')}");
}
