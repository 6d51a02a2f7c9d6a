using System.Diagnostics;
using System.Globalization;
using System.Text;
namespace DafL.Backends.Dispatch;

/// <summary>One row of a kernel profile: every call of one kernel on one backend with one input shape.</summary>
public sealed record KernelTiming(string Backend, string Kernel, string Shape, long Calls, TimeSpan Total)
{
    public double MeanMicroseconds => Total.TotalMicroseconds / Calls;
}

/// <summary>
/// Times every backend kernel while it is alive, like <c>torch.profiler</c>'s kernel table: <see cref="Start"/>
/// routes all ops through a <see cref="DispatchingBackend"/> that it observes, <see cref="Dispose"/> removes it.
/// Rows are grouped by backend, kernel and the shape of the kernel's first tensor. Each kernel is timed from its call
/// until the backend has finished it (<see cref="IBackend.Synchronize"/>), so on an asynchronous device the profile
/// shows kernel times, at the cost of the overlap a real run would have; Synchronize and Allocate are not kernels and
/// are not timed. The timer adds about a microsecond per kernel, so profile a few steps, not a whole run.
/// </summary>
public sealed class KernelProfile : InstalledObserver
{
    /// <summary>When the kernel now running on this thread started (a thread runs one kernel at a time).</summary>
    [ThreadStatic] static long _started;

    readonly Lock _gate = new();
    readonly Dictionary<(string Backend, string Kernel, string Shape), (long Calls, long Ticks)> _rows = [];

    KernelProfile() { }

    /// <summary>Starts profiling every kernel on every backend; at most one profile is active at a time.</summary>
    public static KernelProfile Start() => Install(new KernelProfile());

    public override bool Before(in KernelCall call)
    {
        _started = Stopwatch.GetTimestamp();
        return true;
    }

    public override void After(in KernelCall call)
    {
        call.Backend.Synchronize();
        long ticks = Stopwatch.GetTimestamp() - _started;
        var shape = call.Tensors.Length > 0 ? call.Tensors[0]?.Shape : null;
        string label = shape is null ? "" : "(" + string.Join(", ", shape) + ")";
        lock (_gate)
        {
            var key = (call.Backend.Name, call.Kernel, label);
            _rows.TryGetValue(key, out var row);
            _rows[key] = (row.Calls + 1, row.Ticks + ticks);
        }
    }

    /// <summary>The rows so far, the most expensive first.</summary>
    public IReadOnlyList<KernelTiming> Timings
    {
        get
        {
            lock (_gate)
                return _rows.Select(r => new KernelTiming(r.Key.Backend, r.Key.Kernel, r.Key.Shape, r.Value.Calls, Stopwatch.GetElapsedTime(0, r.Value.Ticks)))
                    .OrderByDescending(t => t.Total).ThenBy(t => t.Kernel, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Total time inside kernels.</summary>
    public TimeSpan Total => Timings.Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Total);

    /// <summary>A plain-text table of the <paramref name="top"/> most expensive rows, with each one's share of the total.</summary>
    public string Format(int top = 30)
    {
        var rows = Timings;
        double total = rows.Sum(r => r.Total.TotalMilliseconds);
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"{"kernel",-28} {"shape",-22} {"calls",7} {"total ms",10} {"mean µs",9} {"share",6}");
        foreach (var r in rows.Take(top))
            sb.AppendLine(inv, $"{r.Kernel,-28} {r.Shape,-22} {r.Calls,7} {r.Total.TotalMilliseconds,10:F2} {r.MeanMicroseconds,9:F1} {r.Total.TotalMilliseconds / total,6:P1}");
        sb.AppendLine(inv, $"{"all kernels",-28} {"",-22} {rows.Sum(r => r.Calls),7} {total,10:F2}");
        return sb.ToString();
    }
}
