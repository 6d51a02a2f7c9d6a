using DafL.IO;
using DafL.Training;

namespace DafL.Reports;

/// <summary>Reads a <c>dafl teacher</c> run: the checkpoint's sidecar config (<c>name.json</c>) and its log (<c>name.metrics.jsonl</c>).</summary>
public static class TeacherRunReader
{
    /// <summary>The log of the teacher checkpoint at <paramref name="checkpoint"/>, as <c>dafl teacher</c> names it.</summary>
    public static string MetricsPath(string checkpoint) => Path.ChangeExtension(checkpoint, ".metrics.jsonl");

    public static RunRecord Read(string checkpoint)
    {
        var configPath = Checkpoint.SidecarPath(checkpoint);
        InputFile.Check(configPath, "teacher config (dafl teacher writes it beside the checkpoint)");
        var config = JsonRecord.Parse(File.ReadAllText(configPath), configPath);
        var log = JsonLinesFile.Read(MetricsPath(checkpoint), "teacher metrics log");
        var notes = new List<string>();
        if (log.TornLastLine) notes.Add($"{Path.GetFileName(MetricsPath(checkpoint))} ends in an unfinished line (a run killed or still running): it is left out.");
        var epochs = log.Records.Where(r => r.OptionalString("kind") == "teacher_epoch").Select(r => new EpochPoint(
            r.Int("epoch"), r.OptionalNumber("test_acc"), new Dictionary<string, double> { [LossTerms.CrossEntropy] = r.Number("loss") },
            new Dictionary<string, double> { ["teacher"] = r.Number("lr") }, r.OptionalNumber("step_ms"), r.OptionalNumber("seconds"))).ToList();
        if (epochs.Count > 0 && epochs.All(e => e.StepMilliseconds == null))
            notes.Add("The log has no step times (teachers trained before dafl logged them).");
        return new RunRecord(RunKind.Teacher, checkpoint, checkpoint, ConfigTable.From(config), epochs, null, null, null, null, notes);
    }
}
