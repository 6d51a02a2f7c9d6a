using System.Globalization;
using DafL.Errors;
using DafL.Random;

namespace DafL.Training;

/// <summary>
/// The bookkeeping of a DAFL run after <see cref="Epoch"/> epochs, as the metadata of its checkpoints carries it. Read
/// back (<see cref="Read"/>), every value is checked against the run's config and against the others: a state is the
/// outcome of whole epochs of the same steps, so its step counts and noise offset follow from its epoch.
/// </summary>
public sealed record RunState(string RunId, int Epoch, double BestAccuracy, int BestEpoch, ulong NoiseOffset, int GeneratorSteps, int StudentSteps)
{
    const string RunIdKey = "run_id";

    /// <summary>The metadata of the student and generator files: no run id, so two runs' files can be compared byte for byte.</summary>
    public Dictionary<string, string> ModelMetadata() => new()
    {
        ["epoch"] = Text(Epoch),
        ["best_accuracy"] = BestAccuracy.ToString("R", CultureInfo.InvariantCulture),
        ["best_epoch"] = Text(BestEpoch),
        ["noise_offset"] = NoiseOffset.ToString(CultureInfo.InvariantCulture),
        ["opt_g_steps"] = Text(GeneratorSteps),
        ["opt_s_steps"] = Text(StudentSteps),
    };

    /// <summary>The metadata of the state file: <see cref="ModelMetadata"/> and the run id.</summary>
    public Dictionary<string, string> StateMetadata()
    {
        var metadata = ModelMetadata();
        metadata[RunIdKey] = RunId;
        return metadata;
    }

    /// <summary>The offset of the latent noise stream after <paramref name="epochs"/> epochs of <paramref name="config"/>.</summary>
    public static UInt128 NoiseOffsetAfter(int epochs, DistillConfig config)
    {
        var draw = new Philox(0); // one step's draw: B × latent normals (Tensor.Randn), counted by Philox's own rule
        draw.Advance((long)config.BatchSize * config.LatentDim);
        return (UInt128)draw.Offset * (ulong)epochs * (ulong)config.ItersPerEpoch;
    }

    /// <summary>
    /// Reads and checks the metadata of state file <paramref name="source"/>, which <paramref name="config"/> (the run
    /// folder's config.json) made. Each problem is an <see cref="InputException"/> naming the file and the key.
    /// </summary>
    public static RunState Read(IReadOnlyDictionary<string, string> metadata, string source, DistillConfig config)
    {
        string Value(string key) => metadata.TryGetValue(key, out var v) ? v
            : throw new InputException(source, key, "a value in the metadata", "no such key");
        InputException Wrong(string key, string expected) => new(source, key, expected, InputText.Show(Value(key)));

        string runId = Value(RunIdKey);
        if (runId != config.RunId) throw new InputException(source, RunIdKey, config.RunId, $"{InputText.Show(runId)} (a state from another run)");

        int Whole(string key, int max, string what)
        {
            string expected = $"{what}, a whole number in [0, {max}]";
            return int.TryParse(Value(key), NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v <= max ? v : throw Wrong(key, expected);
        }
        int epoch = Whole("epoch", config.Epochs, "the epochs done");
        long steps = (long)epoch * config.ItersPerEpoch;
        int Steps(string key) =>
            int.TryParse(Value(key), NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v == steps ? v
                : throw Wrong(key, $"{steps} ({epoch} epochs × {config.ItersPerEpoch} iterations)");
        int generatorSteps = Steps("opt_g_steps");
        int studentSteps = Steps("opt_s_steps");

        int bestEpoch = Whole("best_epoch", epoch, "the best epoch so far");
        string range = bestEpoch == 0 ? "0 (no epoch was scored)" : "an accuracy in (0, 1]";
        if (!double.TryParse(Value("best_accuracy"), NumberStyles.Float, CultureInfo.InvariantCulture, out double best)
            || double.IsNegative(best) || !(bestEpoch == 0 ? best == 0 : best > 0 && best <= 1)) // -0 is not written here
            throw Wrong("best_accuracy", $"{range}, as best_epoch is {bestEpoch}");

        var offset = NoiseOffsetAfter(epoch, config);
        if (!ulong.TryParse(Value("noise_offset"), NumberStyles.None, CultureInfo.InvariantCulture, out ulong noise) || noise != offset)
            throw Wrong("noise_offset", $"{offset} (the latent stream after {steps} draws of {config.BatchSize} × {config.LatentDim} normals)");
        return new RunState(runId, epoch, best, bestEpoch, noise, generatorSteps, studentSteps);
    }

    static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
