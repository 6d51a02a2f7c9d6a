using System.Collections.Immutable;
using DafL.SourceGen.Dispatch;
using DafL.SourceGen.Kernels;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace DafL.Tests.Dispatch;

/// <summary>
/// DafL.SourceGen run on small programs of its own (a stand-in Tensor and IBackend), so that its output and its
/// diagnostics for shapes it cannot forward are checked without building the real core.
/// </summary>
public class SourceGeneratorTests
{
    /// <summary>The types the dispatch generator keys on, by the metadata names the real ones have.</summary>
    const string Contract = """
        namespace DafL { public sealed class Tensor { } }
        namespace DafL.Backends
        {
            [System.AttributeUsage(System.AttributeTargets.Parameter)] public sealed class OutputAttribute : System.Attribute { }
        }
        namespace DafL.Backends.Dispatch
        {
            [System.AttributeUsage(System.AttributeTargets.Class)]
            sealed class GenerateDispatchAttribute(System.Type contract) : System.Attribute { public System.Type Contract { get; } = contract; }
            public readonly ref struct KernelCall(IBackend backend, string kernel, System.ReadOnlySpan<DafL.Tensor?> tensors, System.ReadOnlySpan<DafL.Tensor?> outputs)
            {
                public string Kernel { get; } = kernel;
                public int Outputs { get; } = outputs.Length;
            }
            public interface IKernelObserver { bool Before(in KernelCall call); void After(in KernelCall call); }
            [GenerateDispatch(typeof(IBackend))]
            public sealed partial class DispatchingBackend(IBackend inner, IKernelObserver observer) : IBackend
            {
                public IBackend Inner { get; } = inner;
                public IKernelObserver Observer { get; } = observer;
            }
        }
        """;

    static readonly MetadataReference[] References = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator).Where(p => Path.GetFileName(p).StartsWith("System.") || Path.GetFileName(p) == "netstandard.dll")
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();

    static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create("Probe",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Preview), path: $"Source{i}.cs")),
        References, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Generate(IIncrementalGenerator generator, CSharpCompilation compilation,
        params AdditionalText[] files)
    {
        var driver = CSharpGeneratorDriver.Create([generator.AsSourceGenerator()], files, (CSharpParseOptions)compilation.SyntaxTrees[0].Options);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (output, diagnostics);
    }

    static string Backend(string members) => $"namespace DafL.Backends {{ public interface IBackend {{ string Name {{ get; }} {members} }} }}";

    [Test]
    public void TheDecoratorRoutesKernelsThroughTheObserverAndForwardsTheRest()
    {
        var (output, diagnostics) = Generate(new DispatchGenerator(), Compile(Contract, Backend("""
            void Synchronize();
            void Scale(DafL.Tensor x, [Output] DafL.Tensor y, float by);
            void Pair(DafL.Tensor? a, [Output] DafL.Tensor? b, [Output] DafL.Tensor c);
            """)));
        Assert.That(diagnostics, Is.Empty);
        Assert.That(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error), Is.Empty, "the generated code compiles");
        string generated = output.SyntaxTrees.Last().ToString();
        Assert.That(generated, Does.Contain("""var call = new KernelCall(Inner, "Scale", [x, y], [y]);"""));
        Assert.That(generated, Does.Contain("""var call = new KernelCall(Inner, "Pair", [a, b, c], [b, c]);"""));
        Assert.That(generated, Does.Contain("public void Synchronize() => Inner.Synchronize();"));
        Assert.That(generated, Does.Contain("public string Name => Inner.Name;"));
        Assert.That(generated.Split("Observer.Before(in call)").Length - 1, Is.EqualTo(2), "one observed call per kernel");
    }

    [TestCase("void Scale(DafL.Tensor x, [Output] int n);", "DAFL001", "Parameter 'n' of IBackend.Scale is marked [Output] but is a int")]
    [TestCase("float Sum(DafL.Tensor x);", "DAFL002", "IBackend.Sum takes tensors, so it is a kernel, but returns float")]
    [TestCase("void Fill(DafL.Tensor x); void Fill(DafL.Tensor x, float v);", "DAFL003", "IBackend declares more than one member named Fill")]
    [TestCase("void Read(DafL.Tensor x, out float v);", "DAFL004", "IBackend.Read cannot be forwarded: a parameter is passed by reference")]
    [TestCase("event System.Action Done;", "DAFL004", "IBackend.Done cannot be forwarded: only methods and get-only properties")]
    public void AShapeTheDecoratorCannotForwardIsADiagnostic(string members, string id, string message)
    {
        var (_, diagnostics) = Generate(new DispatchGenerator(), Compile(Contract, Backend(members)));
        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { id }));
        Assert.That(diagnostics[0].GetMessage(), Does.StartWith(message));
        Assert.That(diagnostics[0].Location.IsInSource, Is.True, "it points at the member");
    }

    sealed class CudaFile(string path, string text) : AdditionalText
    {
        public override string Path => path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    const string KernelClass = """
        namespace DafL.Backends.Cuda.Kernels
        {
            sealed class GenerateKernelNamesAttribute : System.Attribute { }
            [GenerateKernelNames] static partial class Kernel { }
            static class Launcher { public static string[] All => [Kernel.MaxPool2dForward, Kernel.SumFinish]; }
        }
        """;

    static CudaFile Cu(string path, params string[] kernels) =>
        new(path, string.Join("\n", kernels.Select(k => $"extern \"C\" __global__ void {k}(const float* x, long long n) {{ }}")));

    [Test]
    public void KernelNamesComeFromTheSourcesByTheNameRule()
    {
        var (output, diagnostics) = Generate(new KernelNamesGenerator(), Compile(KernelClass),
            Cu("/repo/cuda/pool.cu", "max_pool2d_forward_f32"),
            new CudaFile("/repo/cuda/reduce.cu", "extern \"C\" __global__ void __launch_bounds__(SUM_THREADS) sum_finish_f64(const double* p) { }"));
        Assert.That(diagnostics, Is.Empty);
        Assert.That(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error), Is.Empty, "the generated names compile");
        string generated = output.SyntaxTrees.Last().ToString();
        Assert.That(generated, Does.Contain("""public const string MaxPool2dForward = "max_pool2d_forward_f32";"""));
        Assert.That(generated, Does.Contain("""public const string SumFinish = "sum_finish_f64";"""));
        Assert.That(generated, Does.Contain("""["sum_finish_f64"] = "reduce.cu","""));
    }

    [Test]
    public void AKernelDefinedTwiceOrTwoKernelsWithOneCSharpNameAreDiagnostics()
    {
        var (_, twice) = Generate(new KernelNamesGenerator(), Compile(KernelClass), Cu("a.cu", "fill_f32"), Cu("b.cu", "fill_f32"));
        Assert.That(twice.Select(d => d.GetMessage()), Is.EqualTo(new[] { "Kernel fill_f32 is defined in both a.cu and b.cu; each module must export its own names" }));
        var (_, clash) = Generate(new KernelNamesGenerator(), Compile(KernelClass), Cu("a.cu", "sum_f32", "sum_f64"));
        Assert.That(clash.Select(d => d.Id), Is.EqualTo(new[] { "DAFL101" }));
        Assert.That(clash[0].GetMessage(), Does.Contain("sum_f32 (a.cu) and sum_f64 (a.cu) both map to the C# name Sum"));
    }

    [Test]
    public async Task AKernelNoCodeLaunchesFailsTheBuild()
    {
        var files = ImmutableArray.Create<AdditionalText>(Cu("/repo/cuda/pool.cu", "max_pool2d_forward_f32", "avg_pool2d_forward_f32"),
            Cu("/repo/cuda/reduce.cu", "sum_finish_f64"));
        var (output, _) = Generate(new KernelNamesGenerator(), Compile(KernelClass), [.. files]);
        var analyzed = output.WithAnalyzers([new UnlaunchedKernelAnalyzer()], new AnalyzerOptions(files));
        var found = await analyzed.GetAnalyzerDiagnosticsAsync();
        Assert.That(found.Select(d => d.GetMessage()), Is.EqualTo(new[]
        {
            "Kernel avg_pool2d_forward_f32 (pool.cu) is never launched: no code names Kernel.AvgPool2dForward; remove the kernel or launch it",
        }));
    }
}
