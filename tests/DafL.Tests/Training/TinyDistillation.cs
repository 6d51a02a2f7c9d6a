using DafL.Models;
using DafL.Random;
using DafL.Training;

namespace DafL.Tests.Training;

/// <summary>A tiny but complete DAFL setting for tests of runs: LeNet-5 teacher (random weights), width-8 generator.</summary>
public static class TinyDistillation
{
    /// <summary>Batch 8, two iterations per epoch, latent 12, seed 3.</summary>
    public static DistillConfig Config(int epochs) => DistillPresets.Get("mnist-quick") with
    {
        BatchSize = 8, Epochs = epochs, ItersPerEpoch = 2, GeneratorWidth = 8, LatentDim = 12, Seed = 3,
    };

    public static LeNet5 Teacher() => LeNet5.Full(new Philox(99));

    /// <summary>Runs <paramref name="config"/> from scratch into <paramref name="runDir"/>, with its metrics log.</summary>
    public static void Run(DistillConfig config, string runDir, ITrainingObserver? observer = null)
    {
        using var teacher = Teacher();
        using var d = new DaflDistiller(config, teacher, runDir: runDir);
        using var log = new MetricsLog(Path.Combine(runDir, DaflDistiller.MetricsFile));
        d.Run(observer, log);
    }

    /// <summary>Resumes <paramref name="runDir"/> as <paramref name="config"/> and runs it to its end, with its metrics log.</summary>
    public static void Resume(DistillConfig config, string runDir)
    {
        using var teacher = Teacher();
        using var d = new DaflDistiller(config, teacher, runDir: runDir);
        d.Resume(runDir);
        using var log = new MetricsLog(Path.Combine(runDir, DaflDistiller.MetricsFile));
        d.Run(log: log);
    }
}
