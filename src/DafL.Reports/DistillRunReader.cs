using DafL.Training;

namespace DafL.Reports;

/// <summary>Reads a <c>dafl distill</c> run folder: config.json, metrics.jsonl, and evaluation.json when the run wrote one.</summary>
public static class DistillRunReader
{
    public static RunRecord Read(string runDir)
    {
        var configPath = Path.Combine(runDir, DaflDistiller.ConfigFile);
        var config = DistillConfig.Load(configPath);
        var notes = new List<string>();
        var log = JsonLinesFile.Read(Path.Combine(runDir, DaflDistiller.MetricsFile), "metrics log");
        if (log.TornLastLine) notes.Add($"{DaflDistiller.MetricsFile} ends in an unfinished line (a run killed or still running): it is left out.");
        var epochs = log.Records.Where(r => r.OptionalString("kind") == "distill_epoch").Select(Epoch).ToList();

        double? teacherAccuracy = null;
        ClassScores? best = null;
        string? teacherPath = null;
        var evaluationPath = Path.Combine(runDir, EvaluationFile.Name);
        if (File.Exists(evaluationPath))
            (teacherPath, teacherAccuracy, best) = EvaluationFile.Read(evaluationPath, config.NumClasses);
        else
            notes.Add($"No {EvaluationFile.Name} (the run was made before dafl wrote it, or with --no-eval): the teacher's accuracy and the best student's per-class accuracy are not shown; the report reads the run's files and does not evaluate.");

        var generator = Path.Combine(runDir, "generator.safetensors");
        return new RunRecord(RunKind.Distill, runDir, runDir, ConfigTable.From(JsonRecord.Parse(config.ToJson(), configPath)), epochs,
            teacherAccuracy, best, teacherPath, File.Exists(generator) ? generator : null, notes);
    }

    static EpochPoint Epoch(JsonRecord r)
    {
        var losses = r.Object("losses");
        return new EpochPoint(r.Int("epoch"), r.OptionalNumber("test_acc"),
            new Dictionary<string, double>
            {
                [LossTerms.OneHot] = losses.Number(LossTerms.OneHot), [LossTerms.InformationEntropy] = losses.Number(LossTerms.InformationEntropy),
                [LossTerms.Activation] = losses.Number(LossTerms.Activation), [LossTerms.Kd] = losses.Number(LossTerms.Kd),
                [LossTerms.Total] = losses.Number(LossTerms.Total),
            },
            new Dictionary<string, double> { ["student"] = r.Number("lr_s"), ["generator"] = r.Number("lr_g") },
            r.OptionalNumber("step_ms"), r.OptionalNumber("seconds"));
    }
}
