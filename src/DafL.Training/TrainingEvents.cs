namespace DafL.Training;

/// <summary>One epoch's outcome: mean losses over its iterations and the test accuracy (if a test set was given).</summary>
public sealed record EpochSummary(int Epoch, int Epochs, IReadOnlyDictionary<string, double> Losses, double? TestAccuracy, double BestAccuracy, int BestEpoch, double Seconds);

/// <summary>What a trainer tells its caller (the CLI draws progress bars from it).</summary>
public interface ITrainingObserver
{
    void OnIteration(int epoch, int iteration, int iterationsPerEpoch);
    void OnEpoch(EpochSummary summary);
}

/// <summary>An observer that ignores everything (tests, library use).</summary>
public sealed class SilentObserver : ITrainingObserver
{
    public static readonly SilentObserver Instance = new();
    public void OnIteration(int epoch, int iteration, int iterationsPerEpoch) { }
    public void OnEpoch(EpochSummary summary) { }
}

/// <summary>The result of a run: best (the paper's protocol: best epoch on the test set) and last, labelled.</summary>
public sealed record RunResult(double BestAccuracy, int BestEpoch, double LastAccuracy, int Epochs, double Seconds, double MeanStepMilliseconds);
