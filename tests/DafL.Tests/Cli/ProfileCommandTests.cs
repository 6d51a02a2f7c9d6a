using System.Text.Json;
using DafL.Tests.Support;

namespace DafL.Tests.Cli;

/// <summary><c>dafl profile --json</c>: one JSON object that tools/bench-step.sh reads, with the step's own dense work.</summary>
public class ProfileCommandTests
{
    [Test]
    public void JsonPrintsOneObjectWithTheStepTimeAndTheDenseWorkOfTheShape()
    {
        var outcome = InProcessCli.Run("profile", "--batch", "4", "--gen-width", "8", "--warmup", "1", "--steps", "2", "--json");
        Assert.That(outcome.ExitCode, Is.Zero, outcome.ToString());
        string line = outcome.Output.Trim();
        Assert.That(line.Split('\n'), Has.Length.EqualTo(1), line);
        using var doc = JsonDocument.Parse(line);
        var r = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(r.GetProperty("batch").GetInt32(), Is.EqualTo(4));
            Assert.That(r.GetProperty("generator_width").GetInt32(), Is.EqualTo(8));
            Assert.That(r.GetProperty("steps").GetInt32(), Is.EqualTo(2));
            Assert.That(r.GetProperty("step_ms").GetDouble(), Is.GreaterThan(0));
            Assert.That(r.GetProperty("min_step_ms").GetDouble(), Is.LessThanOrEqualTo(r.GetProperty("step_ms").GetDouble()));
            Assert.That(r.GetProperty("peak_gflops").GetDouble(), Is.GreaterThan(0));
        });
        // The generator alone, width 8 at 32×32 (8→8 at 16×16, 8→4 and 4→1 at 32×32), forward and both gradients: a
        // lower bound that a count of the wrong tensors (or none) would miss.
        double generator = 3 * 2.0 * 4 * 9 * (8 * 8 * 256 + 8 * 4 * 1024 + 4 * 1 * 1024);
        Assert.That(r.GetProperty("gflop").GetDouble() * 1e9, Is.GreaterThan(generator));
    }
}
