using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using DafL.Backends.Cuda;

namespace DafL.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/DafL.Benchmarks -- --filter '*Gemm*'</c> runs the benchmarks whose
/// names match; every BenchmarkDotNet option works. Every benchmark runs inside this process
/// (<see cref="InProcessEmitToolchain"/>), never in a child project that BenchmarkDotNet would build: a
/// self-contained publish then runs on a machine without the .NET SDK (the lent GPU machine; tools/device-check.sh).
/// <c>--quick</c> runs each one with a short job (1 warm-up, 3 measured iterations): indicative numbers in seconds
/// rather than minutes. <c>--device cpu|cuda</c>, <c>--preset NAME</c> and <c>--batch N</c> choose what
/// <see cref="DaflStepBenchmark"/> runs, <c>--conv-case TEXT</c> the cases of <see cref="ConvBenchmark"/> (<see cref="BenchmarkOptions"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string[] rest;
        try
        {
            rest = BenchmarkOptions.Parse(args.Where(a => a != "--quick").ToArray());
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        CudaSetup.Register();
        // A mutator is applied to every job, the ones a benchmark class declares for itself included; a job
        // without the in-process toolchain would need the SDK, and BenchmarkDotNet stops the whole run on it.
        var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsMutator());
        if (args.Contains("--quick")) config = config.AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(3).WithId("Quick"));
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
        // A benchmark that threw (CUDA failing to start, say) leaves a report without numbers: say so in the exit code.
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
