using System.Globalization;
using DafL.IO;
using DafL.Training;

namespace DafL.Reports;

/// <summary>
/// <c>dafl report</c>'s page: with two or more scored runs, their accuracy curves overlaid first; then each run's
/// section — the final table, the accuracy, loss, learning-rate and step-time plots, the last generator's samples,
/// the best student's per-class accuracy and the config.
/// </summary>
public static class RunReport
{
    /// <summary>The samples of a report: as many as <c>dafl sample</c> draws by default, from its default seed, on the CPU.</summary>
    const int SampleCount = 64;
    const ulong SampleSeed = 7;

    /// <summary>Reads the runs at <paramref name="paths"/> and writes the report to <paramref name="output"/> (atomically).</summary>
    /// <param name="teacher">The teacher that labels the samples, where the runs' evaluation.json does not name one.</param>
    public static void Write(IReadOnlyList<string> paths, string output, string? teacher = null)
    {
        var runs = paths.Select(RunReader.Read).ToList();
        AtomicFile.WriteAllText(output, Render(runs, teacher));
    }

    public static string Render(IReadOnlyList<RunRecord> runs, string? teacher = null)
    {
        var sections = new List<Section>();
        var scored = runs.Where(r => r.Kind != RunKind.Teacher && r.Best != null).ToList();
        if (scored.Count >= 2)
            sections.Add(new Section("Runs compared", [new Figure("Test accuracy of each run's student per epoch.", ComparisonPlot.Draw(scored))]));
        sections.AddRange(runs.Select(r => Describe(r, teacher)));
        string title = runs.Count == 1 ? $"DAFL report: {runs[0].Label}" : $"DAFL report: {runs.Count} runs";
        return HtmlPage.Render(title, sections);
    }

    static Section Describe(RunRecord run, string? teacher)
    {
        var blocks = new List<Block> { Summary(run) };
        void Add(byte[]? png, string caption, string missing)
        {
            if (png != null) blocks.Add(new Figure(caption, png));
            else blocks.Add(new Note(missing));
        }
        Add(AccuracyPlot.Draw(run), "Test accuracy per epoch; best and last epochs marked" + (run.TeacherAccuracy.HasValue ? ", the teacher's accuracy dashed." : "."),
            "No epoch was scored on the test set (a run with --no-eval): no accuracy plot.");
        Add(LossPlot.Draw(run), "Each loss term's mean over the epoch's steps, on its own axis.", "The log holds no epoch: no loss plot.");
        Add(LearningRatePlot.Draw(run), "The learning rate of each optimizer during each epoch.", "The log holds no learning rate.");
        Add(StepTimePlot.Draw(run), "The mean wall time of one training step (forward, backward, optimizer steps) in each epoch.", "The log holds no step time.");
        if (run.Kind == RunKind.Distill) blocks.Add(Samples(run, teacher));
        if (run.BestStudent is { } best) blocks.Add(PerClass(best));
        blocks.Add(new TableBlock("Config", ["setting", "value"], [.. run.Config.Select(c => (IReadOnlyList<string>)[c.Key, c.Value])]));
        blocks.AddRange(run.Notes.Select(n => new Note(n)));
        string what = run.Kind switch { RunKind.Distill => "Distillation", RunKind.Teacher => "Teacher training", _ => "Distillation (PyTorch reference)" };
        return new Section($"{what}: {run.Label}", blocks);
    }

    /// <summary>The numbers of the table a run prints at its end.</summary>
    static TableBlock Summary(RunRecord run)
    {
        var rows = new List<IReadOnlyList<string>>();
        if (run.Best is { } best) rows.Add(["best test accuracy (epoch)", $"{AccuracyPlot.Percent(best.TestAccuracy!.Value)} ({best.Epoch})"]);
        if (run.Last is { } last) rows.Add(["last-epoch test accuracy", AccuracyPlot.Percent(last.TestAccuracy!.Value)]);
        if (run.TeacherAccuracy is { } teacher) rows.Add(["teacher's test accuracy", AccuracyPlot.Percent(teacher)]);
        rows.Add(["epochs logged", Text(run.Epochs.Count)]);
        var steps = run.Epochs.Where(e => e.StepMilliseconds.HasValue).ToList();
        if (steps.Count > 0) rows.Add(["mean step time", $"{Text(steps.Average(e => e.StepMilliseconds!.Value), "F1")} ms"]);
        var timed = run.Epochs.Where(e => e.Seconds.HasValue).ToList();
        if (timed.Count > 0) rows.Add(["wall time of the logged epochs", $"{Text(timed.Sum(e => e.Seconds!.Value), "F1")} s"]);
        return new TableBlock("Final numbers", ["measure", "value"], rows);
    }

    static TableBlock PerClass(ClassScores best)
    {
        var score = best.Score;
        var rows = Enumerable.Range(0, score.ClassCount).Select(c =>
        {
            var (predicted, count) = score.TopConfusion(c);
            return (IReadOnlyList<string>)[Text(c), Text(score.Count(c)), AccuracyPlot.Percent(score.ClassAccuracy(c)),
                predicted < 0 ? "—" : $"{Text(predicted)} ({Text(count)}×)"];
        });
        return new TableBlock($"Per-class test accuracy of the best student (epoch {Text(best.Epoch)}: {AccuracyPlot.Percent(score.Accuracy)} overall)",
            ["class", "test images", "accuracy", "most often mistaken for"], [.. rows]);
    }

    /// <summary>The last generator's samples, labelled by the teacher: the one given, else the one the run recorded.</summary>
    static Block Samples(RunRecord run, string? teacher)
    {
        teacher ??= run.TeacherPath;
        if (run.GeneratorPath == null) return new Note("No generator.safetensors: no samples.");
        if (teacher == null) return new Note("No samples: the run recorded no teacher to label them (give one with --teacher).");
        if (!File.Exists(teacher)) return new Note($"No samples: the teacher {teacher} is not there (give one with --teacher).");
        var config = DistillConfig.Load(Path.Combine(run.Source, DaflDistiller.ConfigFile));
        int count = (int)Math.Min(SampleCount, SettingRanges.MostImagesPerBatch(config.GeneratorWidth, config.ImageSize));
        var samples = GeneratorSamples.Draw(config, run.GeneratorPath, teacher, count, SampleSeed, Device.Cpu);
        return new Figure($"{count} images of the last generator (latent seed {SampleSeed}), each captioned with the class {teacher} gives it.", samples.Png);
    }

    static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    static string Text(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
