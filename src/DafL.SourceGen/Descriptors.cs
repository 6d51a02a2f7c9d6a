using Microsoft.CodeAnalysis;

namespace DafL.SourceGen;

/// <summary>Every diagnostic DafL.SourceGen reports (release tracking: AnalyzerReleases.Unshipped.md).</summary>
internal static class Descriptors
{
    const string Dispatch = "DafL.Dispatch";
    const string Kernels = "DafL.Kernels";

    static DiagnosticDescriptor Error(string id, string title, string message, string category, params string[] tags) =>
        new(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true, customTags: tags);

    // One line each: the message says what is wrong and what to do.
    public static readonly DiagnosticDescriptor OutputNotATensor = Error("DAFL001", "An [Output] parameter must be a Tensor", "Parameter '{0}' of {1}.{2} is marked [Output] but is a {3}; only Tensor, Tensor? and Tensor[] parameters can be a kernel's outputs", Dispatch);
    public static readonly DiagnosticDescriptor KernelReturnsAValue = Error("DAFL002", "A kernel must return void", "{0}.{1} takes tensors, so it is a kernel, but returns {2}; kernels write their results into [Output] tensors", Dispatch);
    public static readonly DiagnosticDescriptor OverloadedKernel = Error("DAFL003", "Kernel names must be unique", "{0} declares more than one member named {1}; observers tell kernels apart by name, so give each its own", Dispatch);
    public static readonly DiagnosticDescriptor UnsupportedMember = Error("DAFL004", "The dispatching decorator cannot forward this member", "{0}.{1} cannot be forwarded: {2}", Dispatch);
    public static readonly DiagnosticDescriptor KernelNameClash = Error("DAFL101", "Two kernels map to one C# name", "Kernels {0} ({1}) and {2} ({3}) both map to the C# name {4}; rename one of them", Kernels);
    public static readonly DiagnosticDescriptor KernelDefinedTwice = Error("DAFL102", "A kernel is defined in two files", "Kernel {0} is defined in both {1} and {2}; each module must export its own names", Kernels);
    public static readonly DiagnosticDescriptor KernelNeverLaunched = Error("DAFL103", "A kernel is never launched", "Kernel {0} ({1}) is never launched: no code names Kernel.{2}; remove the kernel or launch it", Kernels, WellKnownDiagnosticTags.CompilationEnd);
}
