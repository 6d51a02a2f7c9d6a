using Microsoft.CodeAnalysis;

namespace DafL.SourceGen;

/// <summary>Every diagnostic DafL.SourceGen reports (release tracking: AnalyzerReleases.Unshipped.md).</summary>
internal static class Descriptors
{
    const string Dispatch = "DafL.Dispatch";
    const string Kernels = "DafL.Kernels";

    public static readonly DiagnosticDescriptor OutputNotATensor = new(
        "DAFL001", "An [Output] parameter must be a Tensor",
        "Parameter '{0}' of {1}.{2} is marked [Output] but is a {3}; only Tensor and Tensor? parameters can be a kernel's outputs",
        Dispatch, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor KernelReturnsAValue = new(
        "DAFL002", "A kernel must return void",
        "{0}.{1} takes tensors, so it is a kernel, but returns {2}; kernels write their results into [Output] tensors",
        Dispatch, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor OverloadedKernel = new(
        "DAFL003", "Kernel names must be unique",
        "{0} declares more than one member named {1}; observers tell kernels apart by name, so give each its own",
        Dispatch, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedMember = new(
        "DAFL004", "The dispatching decorator cannot forward this member",
        "{0}.{1} cannot be forwarded: {2}",
        Dispatch, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor KernelNameClash = new(
        "DAFL101", "Two kernels map to one C# name",
        "Kernels {0} ({1}) and {2} ({3}) both map to the C# name {4}; rename one of them",
        Kernels, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor KernelDefinedTwice = new(
        "DAFL102", "A kernel is defined in two files",
        "Kernel {0} is defined in both {1} and {2}; each module must export its own names",
        Kernels, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor KernelNeverLaunched = new(
        "DAFL103", "A kernel is never launched",
        "Kernel {0} ({1}) is never launched: no code names Kernel.{2}; remove the kernel or launch it",
        Kernels, DiagnosticSeverity.Error, isEnabledByDefault: true, customTags: WellKnownDiagnosticTags.CompilationEnd);
}
