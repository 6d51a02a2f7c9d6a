using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace DafL.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/DafL.Benchmarks -- --filter '*Gemm*'</c> runs the benchmarks whose
/// names match; every BenchmarkDotNet option works. <c>--quick</c> runs each one with a short job (1 warm-up,
/// 3 measured iterations, 1 process): indicative numbers in seconds rather than minutes.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        IConfig? config = quick
            ? DefaultConfig.Instance.AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(3).WithLaunchCount(1).WithId("Quick"))
            : null;
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Where(a => a != "--quick").ToArray(), config);
    }
}
