using System.CommandLine;
using System.Diagnostics;
using DafL.Backends.Dispatch;
using DafL.Cli.Options;
using DafL.Memory;
using DafL.Models;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary>
/// <c>dafl profile</c>: where the time of one DAFL iteration goes, kernel by kernel (like torch.profiler's table),
/// and how much of the step is spent outside kernels (autograd, allocation, dispatch).
/// </summary>
public static class ProfileCommand
{
    public static Command Create()
    {
        var preset = CheckedOptions.Choice("--preset", DistillPresets.Names, $"Settings to profile: {string.Join(" | ", DistillPresets.Names)}", "mnist-quick");
        var teacher = new Option<string?>("--teacher") { Description = "Teacher checkpoint (default: a LeNet-5 with random weights; the cost does not depend on them)" };
        var batch = CheckedOptions.Whole("--batch", SettingRanges.Batch, "Generated images per iteration (default: the preset's)");
        var width = CheckedOptions.Whole("--gen-width", SettingRanges.GeneratorWidth, "Generator width (default: the preset's)");
        var warmup = CheckedOptions.Whole("--warmup", SettingRanges.ProfileWarmup, "Steps run before timing (caches, pools, JIT)", 5);
        var steps = CheckedOptions.Whole("--steps", SettingRanges.ProfileSteps, "Steps timed", 20);
        var top = CheckedOptions.Whole("--top", SettingRanges.ProfileTop, "Rows of the kernel table", 30);
        var device = CommonOptions.Device();
        var command = new Command("profile", "Time one DAFL iteration kernel by kernel.") { preset, teacher, batch, width, warmup, steps, top, device };
        command.SetAction(p =>
        {
            var config = DistillPresets.Get(p.GetValue(preset)!) with { Device = CommonOptions.ResolveDevice(p.GetValue(device)!) };
            if (p.GetValue(batch) is { } b) config = config with { BatchSize = b };
            if (p.GetValue(width) is { } w) config = config with { GeneratorWidth = w };
            config.Validate(); // the batch × width product, before a teacher is loaded
            using var net = p.GetValue(teacher) is { } path
                ? CommonOptions.Noted(ModelCatalog.LoadTeacher(path, config)).Model
                : ModelCatalog.Create(config.Teacher, config.NumClasses, config.Channels, SeedStreams.For(config.Seed, "profile-teacher"));
            using var distiller = new DaflDistiller(config, net);
            Run(distiller, config, p.GetValue(warmup), p.GetValue(steps), p.GetValue(top));
            return 0;
        });
        return command;
    }

    static void Run(DaflDistiller distiller, DistillConfig config, int warmup, int steps, int top)
    {
        for (int i = 0; i < warmup; i++) distiller.Step();

        // Unprofiled first, so the step time is not inflated by the profiler's own cost (nor its allocations counted).
        var allocated = AllocationCount.Start();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++) distiller.Step();
        double stepMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds / steps;
        allocated = AllocationCount.Since(allocated);

        using var profile = KernelProfile.Start();
        start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++) distiller.Step();
        double profiledMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds / steps;
        var rows = profile.Timings;
        double kernelMs = rows.Sum(r => r.Total.TotalMilliseconds) / steps;

        AnsiConsole.MarkupLine($"[bold]DAFL step[/] preset {config.Preset}: {config.Teacher} → {config.Student}, batch {config.BatchSize}, " +
            $"generator width {config.GeneratorWidth}, on {DeviceChoice.NameOf(config.Device)}, {Environment.ProcessorCount} threads");
        var table = new Table().AddColumns("kernel", "shape", "calls/step", "ms/step", "mean µs", "share");
        foreach (var r in rows.Take(top))
            table.AddRow(r.Kernel, r.Shape, $"{(double)r.Calls / steps:0.##}", $"{r.Total.TotalMilliseconds / steps:F3}",
                $"{r.MeanMicroseconds:F1}", $"{r.Total.TotalMilliseconds / steps / kernelMs:P1}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"step {stepMs:F2} ms unprofiled ({steps} steps after {warmup} warm-up); profiled {profiledMs:F2} ms, of which kernels " +
            $"{kernelMs:F2} ms and everything else (autograd, allocation, dispatch, timer) {profiledMs - kernelMs:F2} ms.");
        AnsiConsole.MarkupLine($"allocations per step (unprofiled): {(double)allocated.SystemAllocations / steps:0.##} native from the system " +
            $"(0 in a warm loop), {(double)allocated.Rentals / steps:0.#} pooled rentals, {allocated.ManagedBytes / steps / 1024.0:0.#} KiB managed.");
    }
}
