using DafL.Training;

namespace DafL.Benchmarks;

/// <summary>
/// The options of this program that BenchmarkDotNet does not know, read by <see cref="Program"/> before it hands the
/// rest of the command line on. The benchmarks run inside this process (<see cref="Program"/>), so the benchmark
/// classes see what was set here when BenchmarkDotNet builds their parameters.
/// </summary>
public static class BenchmarkOptions
{
    /// <summary><c>--device cpu|cuda</c>: where the benchmarks that take a device run (<see cref="DaflStepBenchmark"/>).</summary>
    public static string Device { get; private set; } = "cpu";

    /// <summary><c>--preset NAME</c> (repeatable): the DAFL presets <see cref="DaflStepBenchmark"/> times; both MNIST ones when absent.</summary>
    public static IReadOnlyList<string> Presets { get; private set; } = ["mnist", "mnist-quick"];

    /// <summary><c>--batch N</c>: <see cref="DaflStepBenchmark"/>'s batch instead of each preset's (a small one for a slow device).</summary>
    public static int? Batch { get; private set; }

    /// <summary><c>--conv-case TEXT</c>: <see cref="ConvBenchmark"/> runs only the cases whose name contains TEXT (all when absent).</summary>
    public static string ConvCase { get; private set; } = "";

    /// <summary>The presets whose teacher is LeNet-5 and student LeNet-5-half, the networks <see cref="DaflStepBenchmark"/> builds and counts.</summary>
    static IEnumerable<string> LeNetPresets => DistillPresets.Names.Where(name => DistillPresets.Get(name) is { Teacher: "lenet5", Student: "lenet5-half" });

    /// <summary>Takes this program's options out of <paramref name="args"/>, checks them, and returns the rest.</summary>
    public static string[] Parse(string[] args)
    {
        var rest = new List<string>();
        var presets = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--device":
                    Device = Value(args, ref i);
                    if (Device is not ("cpu" or "cuda")) throw new ArgumentException($"--device: expected cpu or cuda, got '{Device}'.");
                    break;
                case "--preset":
                    string preset = Value(args, ref i);
                    if (!LeNetPresets.Contains(preset))
                        throw new ArgumentException($"--preset: expected one of {string.Join(", ", LeNetPresets)} (the step is timed with a LeNet-5 teacher and student), got '{preset}'.");
                    presets.Add(preset);
                    break;
                case "--batch":
                    string batch = Value(args, ref i);
                    Batch = int.TryParse(batch, out int n) && n >= 2 ? n : throw new ArgumentException($"--batch: expected an integer of at least 2 (batch norm needs two samples), got '{batch}'.");
                    break;
                case "--conv-case":
                    ConvCase = Value(args, ref i);
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }
        if (presets.Count > 0) Presets = presets;
        return rest.ToArray();
    }

    static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]}: a value must follow it.");
}
