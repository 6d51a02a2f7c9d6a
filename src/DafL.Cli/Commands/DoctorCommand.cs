using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using DafL.Backends;
using DafL.Backends.Conformance;
using DafL.Backends.Cuda;
using DafL.Cli.Doctor;
using DafL.Cli.Options;
using DafL.IO;
using DafL.Models;
using DafL.Random;
using DafL.Training;
using DafL.Training.Diagnostics;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary>
/// <c>dafl doctor</c>: what this machine offers (runtime, CPU, the CUDA stack and device) and, when there is a
/// backend to check, every backend op and a few DAFL steps compared with the CPU backend.
/// </summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var device = CheckedOptions.Choice("--device", ["auto", .. DeviceChoice.Devices.Where(d => d != Device.Cpu.Name), Device.Cpu.Name],
            "Backend to check against the CPU: a registered backend's name (cuda) | auto (the first that starts) | cpu (the CPU against itself, a check of the harness)", "auto");
        var json = new Option<string?>("--json") { Description = "Also write every result as JSON to this file" };
        var batch = CheckedOptions.Whole("--batch", SettingRanges.DoctorBatch, "Batch size of the parity inputs and of the DAFL steps", 128);
        var steps = CheckedOptions.Whole("--steps", SettingRanges.DoctorSteps, "DAFL iterations to compare", 3);
        var tf32 = new Option<bool>("--tf32") { Description = "Start the CUDA backend with TF32 allowed in matrix products and convolutions, and allow 1e-3 there instead of 1e-4" };
        var command = new Command("doctor",
            "Diagnose this machine: .NET, CPU and every registered backend (for CUDA: the driver, cuBLAS, cuDNN, NVRTC and the GPU); " +
            "with a backend besides the CPU, check every op and a few DAFL steps against the CPU. Exits 1 when a check is out of tolerance, " +
            "or when a backend was asked for by name (--device cuda) and cannot start. With --device auto and no backend that starts it " +
            "prints why and exits 0: a diagnosis, not a failure.")
        {
            device, json, batch, steps, tf32,
        };
        command.SetAction(p =>
            Run(p.GetValue(device)!, p.GetValue(json), p.GetValue(batch), p.GetValue(steps), p.GetValue(tf32)));
        return command;
    }

    static int Run(string device, string? jsonPath, int batch, int steps, bool tf32)
    {
        if (jsonPath != null) OutputPath.File(jsonPath, "--json");
        // A log (tools/device-check.sh) has no terminal width: give the wide parity table room instead of 80 columns.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
        var host = HostFacts.Probe();
        AnsiConsole.Write(DoctorTables.Host(host));
        // --tf32 checks the backend as it runs with TF32 allowed, not only against the looser table.
        if (tf32) CudaSetup.Register(new CudaBackendOptions { AllowTf32 = true });
        var backends = Backend.Registered.Select(name => BackendReport.Of(new Device(name))).ToList();
        foreach (var b in backends) AnsiConsole.Write(DoctorTables.Backend(b));
        var (candidate, reason) = Candidate(device, backends);
        var check = new ParityCheck(device, candidate?.Backend.Name ?? "", reason, tf32, batch);

        IReadOnlyList<ParityRow> parity = [];
        IReadOnlyList<StepComparisonRow> stepRows = [];
        string stepNote = "no backend to compare";
        bool missing = candidate == null && device != "auto";
        void Write(string stage) => WriteJson(jsonPath, new DoctorReport(stage, host, backends, check, parity, stepRows, stepNote,
            !missing && parity.All(r => r.Pass) && stepRows.All(r => r.Pass)));
        Write("facts");
        if (candidate == null)
        {
            if (missing)
                AnsiConsole.MarkupLine($"[red]--device {Markup.Escape(device)}: the {Markup.Escape(device.ToUpperInvariant())} backend cannot start[/] ({Markup.Escape(reason)}).");
            else
                AnsiConsole.MarkupLine($"[yellow]No backend besides the CPU to check[/] ({Markup.Escape(reason)}); nothing to compare. " +
                    "Doctor exits 0: this is a diagnosis, not a failure.");
        }
        else
        {
            if (candidate.Backend is CudaBackend gpuBackend)
                AnsiConsole.MarkupLine($"CUDA backend on [bold]{Markup.Escape(gpuBackend.DeviceName)}[/] ({gpuBackend.Architecture})");
            parity = RunParity(candidate, batch, tf32);
            stepNote = "the DAFL steps did not finish";
            Write("parity");
            (stepRows, stepNote) = CompareSteps(candidate, batch, steps, tf32);
        }
        bool passed = !missing && parity.All(r => r.Pass) && stepRows.All(r => r.Pass);
        Write("done");
        if (jsonPath != null) AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(jsonPath)}[/].");
        if (candidate != null)
            AnsiConsole.MarkupLine(passed ? "[green]Every check is within tolerance.[/]"
                : $"[red]{parity.Count(r => !r.Pass)} op checks and {stepRows.Count(r => !r.Pass)} DAFL steps are out of tolerance.[/]");
        return passed ? 0 : 1;
    }

    /// <summary>
    /// The side to check against the CPU: the CPU itself for "cpu", the backend named, or for "auto" the first one
    /// besides the CPU that starts; none, with the reason, when it does not start.
    /// </summary>
    static (ParitySide? Side, string Reason) Candidate(string device, IReadOnlyList<BackendReport> backends)
    {
        if (device == Device.Cpu.Name) return (ParitySide.Cpu, "");
        var others = backends.Where(b => b.Name != Device.Cpu.Name && (device == "auto" || b.Name == device)).ToList();
        if (others.FirstOrDefault(b => b.Starts) is { } started)
        {
            var on = new Device(started.Name);
            return (new ParitySide(Backend.For(on), on), "");
        }
        string reason = others.Count == 0
            ? $"no {(device == "auto" ? "backend besides the CPU" : device.ToUpperInvariant() + " backend")} is registered in this process"
            : others.Count == 1 ? others[0].Reason
            : string.Join("; ", others.Select(b => $"{b.Name}: {b.Reason}"));
        return (null, reason);
    }

    /// <summary>Writes the report to <paramref name="path"/> (when given) through a temp file, so a reader never sees half of it.</summary>
    static void WriteJson(string? path, DoctorReport report)
    {
        if (path == null) return;
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder) Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(report, DoctorJson.Default.DoctorReport));
    }

    static IReadOnlyList<ParityRow> RunParity(ParitySide candidate, int batch, bool tf32)
    {
        var sizes = ParitySizes.Dafl(batch);
        AnsiConsole.MarkupLine($"Checking every backend op on [bold]{Markup.Escape(candidate.ToString())}[/] against the CPU at batch {batch}…");
        var clock = Stopwatch.StartNew();
        int done = 0;
        var rows = BackendParity.Run(ParitySide.Cpu, candidate, sizes, tf32, row =>
        {
            if (!row.Pass) AnsiConsole.MarkupLine($"  [red]FAIL[/] {Markup.Escape($"{row.Method} ({row.Case}): {row.Note}")}");
            if (++done % 25 == 0) AnsiConsole.MarkupLine($"  [grey]{done} cases, {clock.Elapsed.TotalSeconds:F0} s[/]");
        });
        AnsiConsole.Write(DoctorTables.Parity(rows, candidate.Backend.Name));
        AnsiConsole.MarkupLine($"[grey]{rows.Count} cases in {clock.Elapsed.TotalSeconds:F1} s[/]");
        return rows;
    }

    /// <summary>The MNIST paper preset at <paramref name="batch"/> on the CPU and on the candidate, from one seed.</summary>
    static (IReadOnlyList<StepComparisonRow> Rows, string Note) CompareSteps(ParitySide candidate, int batch, int steps, bool tf32)
    {
        if (steps == 0) return ([], "--steps 0");
        var config = DistillPresets.Get("mnist") with { BatchSize = batch, Seed = 1 };
        using var referenceTeacher = LeNet5.Full(new Philox(7));
        using var candidateTeacher = LeNet5.Full(new Philox(7));
        using var reference = new DaflDistiller(config, referenceTeacher);
        using var other = new DaflDistiller(config with { Device = candidate.Device }, candidateTeacher);
        if (DaflStepComparison.DeviceOf(other) != candidate.Device)
        {
            string note = $"the DAFL steps were not compared: a distiller configured for {candidate.Device} runs on {DaflStepComparison.DeviceOf(other)} in this build";
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
            return ([], note);
        }
        var rows = DaflStepComparison.Run(reference, other, batch, steps, DaflStepComparison.Tolerance(tf32));
        AnsiConsole.Write(DoctorTables.Steps(rows, candidate.Backend.Name));
        return (rows, "");
    }
}
