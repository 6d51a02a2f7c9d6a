using System.Globalization;
using DafL.Backends.Conformance;
using DafL.Training;
using DafL.Training.Diagnostics;
using Spectre.Console;

namespace DafL.Cli.Doctor;

/// <summary>The tables <c>dafl doctor</c> prints.</summary>
public static class DoctorTables
{
    public static Table Host(HostFacts h)
    {
        var table = Facts("Host");
        table.AddRow(".NET", Markup.Escape(h.Runtime));
        table.AddRow("OS", Markup.Escape($"{h.OperatingSystem} ({h.Architecture})"));
        table.AddRow("CPU", Markup.Escape(h.Processor));
        table.AddRow("logical cores", h.LogicalCores.ToString(CultureInfo.InvariantCulture));
        table.AddRow("AVX-512", YesNo(h.Avx512));
        table.AddRow("AVX2", YesNo(h.Avx2));
        return table;
    }

    /// <summary>A backend's parts (a CUDA backend's driver, libraries and device 0), then whether it starts.</summary>
    public static Table Backend(BackendReport backend)
    {
        var table = Facts(backend.Name.ToUpperInvariant());
        foreach (var f in backend.Facts)
            table.AddRow(Markup.Escape(f.Name), f.Available ? Markup.Escape(f.Detail) : $"[yellow]unavailable:[/] {Markup.Escape(f.Detail)}");
        table.AddRow($"{Markup.Escape(backend.Name)} backend", backend.Starts ? "[green]starts[/]" : $"[yellow]unavailable:[/] {Markup.Escape(backend.Reason)}");
        return table;
    }

    public static Table Parity(IReadOnlyList<ParityRow> rows, string candidate)
    {
        int passed = rows.Count(r => r.Pass);
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(candidate)} against the CPU: {passed}/{rows.Count} within tolerance[/]");
        table.AddColumn("method");
        table.AddColumn("case");
        table.AddColumn("shape");
        table.AddColumn(new TableColumn("max |Δ|").RightAligned());
        table.AddColumn(new TableColumn("rel. error").RightAligned());
        table.AddColumn(new TableColumn("tolerance").RightAligned());
        table.AddColumn("");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Method), Markup.Escape(r.Case), Markup.Escape(r.Shape), Number(r.MaxAbsError), Number(r.RelativeError),
                Number(r.Tolerance), r.Pass ? "[green]ok[/]" : $"[red]FAIL[/] {Markup.Escape(r.Note)}");
        return table;
    }

    public static Table Steps(IReadOnlyList<StepComparisonRow> rows, string candidate)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]DAFL steps from one seed, CPU and {Markup.Escape(candidate)}[/]");
        table.AddColumn("step");
        table.AddColumn("backend");
        foreach (var column in new[] { "total", "one-hot", "info entropy", "activation", "KD", "ms", "rel. diff" })
            table.AddColumn(new TableColumn(column).RightAligned());
        table.AddColumn("");
        foreach (var r in rows)
        {
            string step = r.Step.ToString(CultureInfo.InvariantCulture);
            table.AddRow([step, "cpu", .. Losses(r.Reference), Fixed(r.ReferenceMs, "F1"), "", ""]);
            table.AddRow(["", Markup.Escape(candidate), .. Losses(r.Candidate), Fixed(r.CandidateMs, "F1"), Number(r.RelativeDifference),
                r.Pass ? "[green]ok[/]" : $"[red]FAIL[/] {Markup.Escape(r.Note)}"]);
        }
        return table;
    }

    static string[] Losses(StepLosses l) => [.. new[] { l.Total, l.OneHot, l.InformationEntropy, l.Activation, l.Kd }.Select(v => Fixed(v, "F6"))];

    static string Fixed(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    static Table Facts(string title)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{title}[/]");
        table.AddColumn("");
        table.AddColumn("");
        table.HideHeaders();
        return table;
    }

    static string YesNo(bool yes) => yes ? "yes" : "no";

    /// <summary>0 as 0, ∞ as ∞, everything else in three significant digits.</summary>
    static string Number(double value) => value switch
    {
        0 => "0",
        double.PositiveInfinity => "∞",
        _ => value.ToString("0.00e+00", CultureInfo.InvariantCulture),
    };
}
