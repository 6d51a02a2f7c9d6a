using System.Collections.Concurrent;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using DafL.Backends.Cpu;

namespace DafL.Benchmarks;

/// <summary>A benchmark class that knows the work one call of each of its benchmark methods does.</summary>
public interface IFlopCounted
{
    /// <summary>
    /// Floating-point operations one call of <paramref name="method"/> performs with the current parameters
    /// (a multiply-add counts as two), and the number of CPU threads it runs on: 0 when it runs on a GPU, whose work
    /// no CPU peak measures.
    /// </summary>
    (double Flops, int Threads) Work(string method);
}

/// <summary>
/// Adds "GFLOP/s" (work / mean time), "% peak" (that over the fp32 FMA peak of as many threads as the benchmark
/// uses, measured by <see cref="FmaPeak"/> in the host process when the summary is drawn) and "best GFLOP/s"
/// (work / fastest iteration: on a machine shared with other work, the closest to what the code can do).
/// Use it with <c>[Config(typeof(FlopColumnsConfig))]</c> on a class that implements <see cref="IFlopCounted"/>.
/// Its parameters are cases with descriptive names, so their column is wide enough to show them whole.
/// </summary>
public sealed class FlopColumnsConfig : ManualConfig
{
    public FlopColumnsConfig()
    {
        AddColumn(new FlopColumn(FlopColumn.Kind.Mean), new FlopColumn(FlopColumn.Kind.PercentOfPeak), new FlopColumn(FlopColumn.Kind.Best));
        SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(48);
    }
}

sealed class FlopColumn(FlopColumn.Kind kind) : IColumn
{
    public enum Kind { Mean, PercentOfPeak, Best }

    /// <summary>Peak GFLOP/s by thread count, measured once per process.</summary>
    static readonly ConcurrentDictionary<int, double> Peaks = new();

    public string Id => "Flops" + kind;
    public string ColumnName => kind switch { Kind.Mean => "GFLOP/s", Kind.PercentOfPeak => "% peak", _ => "best GFLOP/s" };
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => (int)kind;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => kind switch
    {
        Kind.Mean => "Floating-point operations per second (IFlopCounted.Work / mean time)",
        Kind.PercentOfPeak => "GFLOP/s as a percentage of the fp32 FMA peak of the same number of threads (FmaPeak, measured when the summary is drawn)",
        _ => "IFlopCounted.Work / fastest iteration",
    };

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => typeof(IFlopCounted).IsAssignableFrom(c.Descriptor.Type));
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        double? nanoseconds = kind == Kind.Best ? statistics?.Min : statistics?.Mean;
        if (nanoseconds is not > 0 || Activator.CreateInstance(benchmarkCase.Descriptor.Type) is not IFlopCounted counted) return "-";
        foreach (var p in benchmarkCase.Parameters.Items)
            benchmarkCase.Descriptor.Type.GetProperty(p.Name)?.SetValue(counted, p.Value);
        var (flops, threads) = counted.Work(benchmarkCase.Descriptor.WorkloadMethod.Name);
        double gflops = flops / nanoseconds.Value; // FLOP per nanosecond = GFLOP/s
        if (kind != Kind.PercentOfPeak) return gflops.ToString("F1");
        if (threads == 0) return "-";
        double peak = Peaks.GetOrAdd(threads, t => FmaPeak.MeasureGflops(t));
        return (100 * gflops / peak).ToString("F0");
    }

    public override string ToString() => ColumnName;
}
