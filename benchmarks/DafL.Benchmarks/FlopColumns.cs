using System.Collections.Concurrent;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DafL.Benchmarks;

/// <summary>A benchmark class that knows the work one call of each of its benchmark methods does.</summary>
public interface IFlopCounted
{
    /// <summary>
    /// Floating-point operations one call of <paramref name="method"/> performs with the current parameters
    /// (a multiply-add counts as two), and the number of threads it runs on.
    /// </summary>
    (double Flops, int Threads) Work(string method);
}

/// <summary>
/// Adds "GFLOP/s" (work / mean time) and "% peak" (GFLOP/s over the fp32 FMA peak of as many threads as the
/// benchmark uses, measured by <see cref="FmaPeak"/> in the host process when the summary is drawn) to a summary.
/// Use it with <c>[Config(typeof(FlopColumnsConfig))]</c> on a class that implements <see cref="IFlopCounted"/>.
/// </summary>
public sealed class FlopColumnsConfig : ManualConfig
{
    public FlopColumnsConfig() => AddColumn(new FlopColumn(percentOfPeak: false), new FlopColumn(percentOfPeak: true));
}

sealed class FlopColumn(bool percentOfPeak) : IColumn
{
    /// <summary>Peak GFLOP/s by thread count, measured once per process.</summary>
    static readonly ConcurrentDictionary<int, double> Peaks = new();

    public string Id => percentOfPeak ? "PeakPercent" : "Gflops";
    public string ColumnName => percentOfPeak ? "% peak" : "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => percentOfPeak ? 1 : 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => percentOfPeak
        ? "GFLOP/s as a percentage of the fp32 FMA peak of the same number of threads (FmaPeak, measured when the summary is drawn)"
        : "Floating-point operations per second (IFlopCounted.Work / mean time)";

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => typeof(IFlopCounted).IsAssignableFrom(c.Descriptor.Type));
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean; // nanoseconds
        if (mean is not > 0 || Activator.CreateInstance(benchmarkCase.Descriptor.Type) is not IFlopCounted counted) return "-";
        foreach (var p in benchmarkCase.Parameters.Items)
            benchmarkCase.Descriptor.Type.GetProperty(p.Name)?.SetValue(counted, p.Value);
        var (flops, threads) = counted.Work(benchmarkCase.Descriptor.WorkloadMethod.Name);
        double gflops = flops / mean.Value; // FLOP per nanosecond = GFLOP/s
        if (!percentOfPeak) return gflops.ToString("F1");
        double peak = Peaks.GetOrAdd(threads, t => FmaPeak.MeasureGflops(t));
        return (100 * gflops / peak).ToString("F0");
    }

    public override string ToString() => ColumnName;
}
