namespace DafL.Reports;

/// <summary>
/// Reads the PyTorch reference's <c>distill.jsonl</c> (tools/reference/dafl_pytorch.py): a "config" event with the
/// settings and the teacher's accuracy, then one "epoch" event each, with the epoch's training seconds.
/// </summary>
public static class ReferenceRunReader
{
    public const string FileName = "distill.jsonl";

    public static RunRecord Read(string path)
    {
        var log = JsonLinesFile.Read(path, "PyTorch reference log");
        var config = log.Records.FirstOrDefault(r => r.OptionalString("event") == "config");
        if (config.Source == null) throw new Errors.InputException(path, "event", "a \"config\" record (the reference writes it first)", "none");
        int iterations = config.Int("iters_per_epoch");
        var epochs = log.Records.Where(r => r.OptionalString("event") == "epoch").Select(r => new EpochPoint(
            r.Int("epoch"), r.Number("acc"),
            new Dictionary<string, double>
            {
                [LossTerms.OneHot] = r.Number("loss_oh"), [LossTerms.InformationEntropy] = r.Number("loss_ie"),
                [LossTerms.Activation] = r.Number("loss_a"), [LossTerms.Kd] = r.Number("loss_kd"), [LossTerms.Total] = r.Number("loss"),
            },
            new Dictionary<string, double> { ["student"] = r.Number("lr_s"), ["generator"] = r.Number("lr_g") },
            1000 * r.Number("train_s") / iterations, r.OptionalNumber("train_s"))).ToList();
        var notes = log.TornLastLine ? new List<string> { $"{FileName} ends in an unfinished line: it is left out." } : [];
        notes.Add("The reference's step time is its epoch's training seconds over its iterations (it logs no per-step time); its epoch seconds leave the evaluation out.");
        return new RunRecord(RunKind.Reference, $"PyTorch reference ({path})", path, ConfigTable.From(config, "event"), epochs,
            config.Number("teacher_acc"), null, null, null, notes);
    }
}
