using DafL.Errors;

namespace DafL.Training;

/// <summary>
/// A run that failed after saving a checkpoint it can resume from (a distillation that diverged): the message says
/// what failed and which epoch was kept where. How to resume belongs to the front end that started the run (the CLI
/// resumes with an option, a program calls <see cref="DaflDistiller.Resume"/>), so Training says it in its own words
/// and a front end puts its own with <see cref="ResumedWith"/>.
/// </summary>
public sealed class ResumableRunException : RunFailedException
{
    const string ResumeInTrainingsWords = "resume the run from it";

    /// <summary>What failed, e.g. "epoch 2, step 1: the loss is NaN".</summary>
    public string Failure { get; }

    /// <summary>The last epoch whose checkpoint is complete.</summary>
    public int LastGoodEpoch { get; }

    /// <summary>The run folder that holds it.</summary>
    public string RunDirectory { get; }

    public ResumableRunException(string failure, int lastGoodEpoch, string runDirectory, Exception inner)
        : this(failure, lastGoodEpoch, runDirectory, ResumeInTrainingsWords, inner) { }

    ResumableRunException(string failure, int lastGoodEpoch, string runDirectory, string howToResume, Exception inner)
        : base($"{failure}; the last good checkpoint is epoch {lastGoodEpoch} in {runDirectory}; {howToResume}, perhaps with a lower learning rate.", inner)
    {
        Failure = failure;
        LastGoodEpoch = lastGoodEpoch;
        RunDirectory = runDirectory;
    }

    /// <summary>This failure saying how to resume in the front end's words (the CLI: "resume with --resume").</summary>
    public ResumableRunException ResumedWith(string howToResume) => new(Failure, LastGoodEpoch, RunDirectory, howToResume, InnerException!);
}
