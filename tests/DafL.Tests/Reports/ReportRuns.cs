using DafL.Models;
using DafL.Random;
using DafL.Reports;
using DafL.Tests.Support;
using DafL.Tests.Training;
using DafL.Training;

namespace DafL.Tests.Reports;

/// <summary>Real, tiny runs for the report's tests, made by the trainers themselves (not hand-written logs).</summary>
public static class ReportRuns
{
    /// <summary>
    /// A distillation of <paramref name="epochs"/> tiny epochs into <paramref name="runDir"/>, scored on 20 random
    /// images, with its teacher saved as <paramref name="teacherPath"/>; and evaluation.json when asked for.
    /// </summary>
    public static void Distill(string runDir, string teacherPath, int epochs, bool evaluation, ulong seed = 3)
    {
        var test = RandomImages.Labelled(20, 5);
        using var teacher = TinyDistillation.Teacher();
        Checkpoint.SaveModel(teacherPath, teacher, new TeacherConfig().ToJson());
        using var distiller = new DaflDistiller(TinyDistillation.Config(epochs) with { Seed = seed }, teacher, test, runDir);
        using (var log = new MetricsLog(Path.Combine(runDir, DaflDistiller.MetricsFile)))
            distiller.Run(log: log);
        if (evaluation) EvaluationFile.Write(runDir, teacherPath, teacher, test, distiller.BestEpoch);
    }

    /// <summary>A teacher trained for <paramref name="epochs"/> epochs on 16 random images, saved as <paramref name="checkpoint"/> with its log.</summary>
    public static void Teacher(string checkpoint, int epochs)
    {
        var config = new TeacherConfig { Epochs = epochs, BatchSize = 8 };
        using var model = LeNet5.Half(new Philox(4));
        using (var log = new MetricsLog(TeacherRunReader.MetricsPath(checkpoint)))
            new TeacherTrainer(config, RandomImages.Labelled(16, 6), RandomImages.Labelled(10, 7), checkpoint).Train(model, log: log);
        Checkpoint.SaveModel(checkpoint, model, config.ToJson());
    }

    /// <summary>
    /// A PyTorch reference log with <paramref name="epochs"/> epochs, its records as tools/reference/dafl_pytorch.py's
    /// <c>cmd_distill</c> writes them (the keys of its <c>log(...)</c> calls), 120 iterations an epoch.
    /// </summary>
    public static void Reference(string path, int epochs)
    {
        var lines = new List<string>
        {
            """{"event": "config", "teacher": "t.safetensors", "teacher_arch": "lenet5", "teacher_acc": 0.9871, "load_s": 0.5, "threads": 2, "torch": "1.13.1", "device": "cpu", "dataset": "mnist", "epochs": 3, "iters_per_epoch": 120, "batch": 512, "lr_g": 0.2, "lr_s": 0.002, "seed": 1}""",
        };
        for (int e = 1; e <= epochs; e++)
            lines.Add($$"""{"event": "epoch", "epoch": {{e}}, "lr_s": 0.002, "lr_g": 0.2, "loss_oh": 0.{{e}}, "loss_ie": -0.9, "loss_a": -1.5, "loss_kd": 0.3, "loss": 1.2, "acc": 0.{{80 + e}}, "best_acc": 0.{{80 + e}}, "train_s": 2.4, "elapsed_s": {{3 * e}}}""");
        lines.Add("""{"event": "done", "teacher_acc": 0.9871, "best_acc": 0.83, "best_epoch": 3, "last_acc": 0.83, "wall_s": 9.0}""");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
    }
}
