using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using DafL.Backends.Cpu;
using DafL.Backends.Dispatch;
using DafL.Cli.Options;
using DafL.Memory;
using DafL.Models;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary>
/// <c>dafl profile</c>: where the time of one DAFL iteration goes, kernel by kernel (like torch.profiler's table),
/// and how much of the step is spent outside kernels (autograd, allocation, dispatch); its dense work in GFLOP/s and as a
/// share of the FMA peak measured in the same process. <c>--json</c> prints only the timing, for scripts.
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
        var json = new Option<bool>("--json") { Description = "Print only the step timing as one JSON object (no kernel table)" };
        var device = CommonOptions.Device();
        var command = new Command("profile", "Time one DAFL iteration kernel by kernel.") { preset, teacher, batch, width, warmup, steps, top, json, device };
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
            var timing = Time(distiller, config, p.GetValue(warmup), p.GetValue(steps));
            // Straight to the console's writer: the JSON must not be wrapped at the terminal's width.
            if (p.GetValue(json)) AnsiConsole.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(timing, StepTimingJson.Default.StepTiming));
            else PrintKernels(distiller, config, timing, p.GetValue(top));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Warms up (caches, pools, JIT tiers), measures the FMA peak, then times <paramref name="steps"/> steps unprofiled
    /// and counts the dense work of one more.
    /// </summary>
    static StepTiming Time(DaflDistiller distiller, DistillConfig config, int warmup, int steps)
    {
        for (int i = 0; i < warmup; i++) distiller.Step();
        int threads = Environment.ProcessorCount;
        // Between the warm-up and the timed steps, so that both see the same machine.
        double peak = config.Device.IsCpu ? FmaPeak.MeasureGflops(threads) : 0;

        // Unprofiled, so the step time is not inflated by the profiler's own cost (nor its allocations counted).
        var allocated = AllocationCount.Start();
        double totalMs = 0, minMs = double.MaxValue;
        for (int i = 0; i < steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            distiller.Step();
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            totalMs += ms;
            minMs = Math.Min(minMs, ms);
        }
        allocated = AllocationCount.Since(allocated);

        double gflop;
        using (var flops = KernelFlops.Start())
        {
            distiller.Step();
            gflop = flops.Flops / 1e9;
        }
        double stepMs = totalMs / steps;
        return new StepTiming(config.Preset, config.BatchSize, config.GeneratorWidth, DeviceChoice.NameOf(config.Device), threads, warmup, steps,
            stepMs, minMs, gflop, gflop / (stepMs / 1000), peak, (double)allocated.SystemAllocations / steps,
            (double)allocated.Rentals / steps, allocated.ManagedBytes / steps / 1024.0);
    }

    static void PrintKernels(DaflDistiller distiller, DistillConfig config, StepTiming timing, int top)
    {
        int steps = timing.Steps;
        using var profile = KernelProfile.Start();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++) distiller.Step();
        double profiledMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds / steps;
        var rows = profile.Timings;
        double kernelMs = rows.Sum(r => r.Total.TotalMilliseconds) / steps;

        AnsiConsole.MarkupLine($"[bold]DAFL step[/] preset {config.Preset}: {config.Teacher} → {config.Student}, batch {config.BatchSize}, " +
            $"generator width {config.GeneratorWidth}, on {DeviceChoice.NameOf(config.Device)}, {timing.Threads} threads");
        var table = new Table().AddColumns("kernel", "shape", "calls/step", "ms/step", "mean µs", "share");
        foreach (var r in rows.Take(top))
            table.AddRow(r.Kernel, r.Shape, $"{(double)r.Calls / steps:0.##}", $"{r.Total.TotalMilliseconds / steps:F3}",
                $"{r.MeanMicroseconds:F1}", $"{r.Total.TotalMilliseconds / steps / kernelMs:P1}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"step {timing.StepMs:F2} ms unprofiled (fastest {timing.MinStepMs:F2}; {steps} steps after {timing.Warmup} warm-up); " +
            $"profiled {profiledMs:F2} ms, of which kernels {kernelMs:F2} ms and everything else (autograd, allocation, dispatch, timer) " +
            $"{profiledMs - kernelMs:F2} ms.");
        string peak = timing.PeakGflops > 0
            ? $", {timing.PeakFraction * 100:F0}% of the {timing.Threads}-thread FMA peak ({timing.PeakGflops:F0} GFLOP/s, measured now)"
            : "";
        AnsiConsole.MarkupLine($"dense work (convolutions, matrix products) {timing.Gflop:F3} GFLOP per step: {timing.Gflops:F1} GFLOP/s{peak}.");
        AnsiConsole.MarkupLine($"allocations per step (unprofiled): {timing.SystemAllocationsPerStep:0.##} native from the system " +
            $"(0 in a warm loop), {timing.RentalsPerStep:0.#} pooled rentals, {timing.ManagedKibPerStep:0.#} KiB managed.");
    }
}
