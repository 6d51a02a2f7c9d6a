using System.CommandLine;
using DafL.Cli.Options;
using DafL.Errors;
using DafL.IO;
using DafL.Reports;
using DafL.Training;
using Spectre.Console;

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
        var samples = GeneratorSamples.Draw(config, Path.Combine(runDir, "generator.safetensors"), teacherPath, count, seed, device);
        AtomicFile.Write(output, s => s.Write(samples.Png));
        var labels = samples.Labels;
        var histogram = string.Join(" ", Enumerable.Range(0, config.NumClasses).Select(k => $"{k}:{labels.Count(l => l == k)}"));
        AnsiConsole.MarkupLine($"Wrote {count} samples ({DeviceChoice.NameOf(device)}) to [bold]{Markup.Escape(output)}[/]; teacher's classes {histogram}");
    }
}
