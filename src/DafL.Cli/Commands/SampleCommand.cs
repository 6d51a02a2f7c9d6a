using System.CommandLine;
using DafL.Autograd;
using DafL.Cli.Options;
using DafL.Errors;
using DafL.IO;
using DafL.Models;
using DafL.Training;
using Spectre.Console;
using static DafL.Ops.Functional;

namespace DafL.Cli.Commands;

/// <summary><c>dafl sample</c>: a PNG grid of generated images, each captioned with the teacher's predicted class.</summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Distillation run folder (generator.safetensors, config.json)", DefaultValueFactory = _ => "runs/distill" };
        var teacher = new Option<string>("--teacher") { Description = "Teacher checkpoint that labels the samples", Required = true };
        var output = new Option<string>("--out") { Description = "PNG file to write", DefaultValueFactory = _ => "grid.png" };
        var count = CheckedOptions.Whole("--count", SettingRanges.SampleCount, "Images in the grid", 64);
        var seed = CheckedOptions.Seed("Seed of the latent noise", 7UL);
        var device = CommonOptions.Device();
        var command = new Command("sample", "Write generated images with the teacher's predicted classes as a PNG grid.") { run, teacher, output, count, seed, device };
        command.SetAction(p =>
        {
            Write(p.GetValue(run)!, p.GetValue(teacher)!, p.GetValue(output)!, p.GetValue(count), p.GetValue(seed), CommonOptions.ResolveDevice(p.GetValue(device)!));
            return 0;
        });
        return command;
    }

    /// <summary>Samples the run's generator on <paramref name="device"/> (whatever device the run trained on); shared with the demo.</summary>
    public static void Write(string runDir, string teacherPath, string output, int count, ulong seed, Device device)
    {
        OutputPath.File(output, "--out");
        var configPath = Path.Combine(runDir, "config.json");
        var config = DistillConfig.Load(configPath);
        long most = SettingRanges.MostImagesPerBatch(config.GeneratorWidth, config.ImageSize);
        if (count > most)
            throw new InputException("--count", "", $"at most {most} images for generator width {config.GeneratorWidth} at {config.ImageSize}×{config.ImageSize} (one tensor, at most {SettingRanges.TensorElements} values)", count.ToString());
        using var generator = new DaflGenerator(config.LatentDim, config.ImageSize, config.Channels, SeedStreams.For(0, "sample-load"), config.GeneratorWidth);
        Checkpoint.LoadModel(Path.Combine(runDir, "generator.safetensors"), generator);
        generator.To(device);
        using var teacher = CommonOptions.Noted(ModelCatalog.LoadTeacher(teacherPath, config)).Model;
        teacher.To(device);
        using var scope = TensorScope.Begin();
        using var _ = GradMode.NoGrad();
        // The generator stays in train mode, as in training: its BNs normalise with the batch's statistics.
        var images = generator.Forward(Tensor.Randn([count, config.LatentDim], SeedStreams.For(seed, "sample-noise"), device));
        var labels = Argmax(teacher.Forward(images).Logits, 1).ToArray().Select(v => (int)v).ToArray();
        // Map each image to [0, 1] by its own range: the generator's output is normalised, not a pixel range.
        var data = images.ToArray();
        int size = (int)(images.Numel / count);
        for (int i = 0; i < count; i++)
        {
            var tile = data.AsSpan(i * size, size);
            float lo = float.MaxValue, hi = float.MinValue;
            foreach (var v in tile) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            for (int k = 0; k < size; k++) tile[k] = hi > lo ? (tile[k] - lo) / (hi - lo) : 0f;
        }
        SampleGrid.Write(output, Tensor.FromArray(data, images.Shape), labels);
        var histogram = string.Join(" ", Enumerable.Range(0, config.NumClasses).Select(k => $"{k}:{labels.Count(l => l == k)}"));
        AnsiConsole.MarkupLine($"Wrote {count} samples ({DeviceChoice.NameOf(device)}) to [bold]{Markup.Escape(output)}[/]; teacher's classes {histogram}");
    }
}
