using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace DafL.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/DafL.Benchmarks -- --filter '*Gemm*'</c> runs the benchmarks whose
/// names match; every BenchmarkDotNet option works. <c>--quick</c> runs each one with a short job (1 warm-up,
/// 3 measured iterations, 1 process): indicative numbers in seconds rather than minutes. <c>--in-process</c> runs
/// them inside this process instead of building and launching a child project, for a self-contained publish on a
/// machine without the .NET SDK (the lent GPU machine; tools/device-check.sh).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        bool quick = args.Contains("--quick"), inProcess = args.Contains("--in-process");
        var job = quick ? Job.Default.WithWarmupCount(1).WithIterationCount(3).WithLaunchCount(1).WithId("Quick") : Job.Default;
        if (inProcess) job = job.WithToolchain(InProcessEmitToolchain.Instance).WithId(quick ? "QuickInProcess" : "InProcess");
        IConfig? config = quick || inProcess ? DefaultConfig.Instance.AddJob(job) : null;
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Where(a => a is not ("--quick" or "--in-process")).ToArray(), config);
    }
}
