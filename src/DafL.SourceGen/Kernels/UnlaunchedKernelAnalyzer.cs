using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DafL.SourceGen.Kernels;

/// <summary>
/// Fails the build when a generated kernel constant is never read (DAFL103): a kernel in cuda/*.cu that the backend
/// never launches is dead device code. Generated code is not analysed, so <c>Kernel.Files</c> does not count.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnlaunchedKernelAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [Descriptors.KernelNeverLaunched];

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var attribute = start.Compilation.GetTypeByMetadataName(KernelNamesGenerator.Attribute);
            if (attribute is null) return;
            var classes = new ConcurrentBag<(INamedTypeSymbol Class, Location? At)>();
            var read = new ConcurrentDictionary<IFieldSymbol, bool>(SymbolEqualityComparer.Default);
            start.RegisterSymbolAction(symbol =>
            {
                var marked = symbol.Symbol.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));
                if (marked is not null)
                    classes.Add(((INamedTypeSymbol)symbol.Symbol, marked.ApplicationSyntaxReference?.GetSyntax(symbol.CancellationToken).GetLocation()));
            }, SymbolKind.NamedType);
            start.RegisterOperationAction(operation => read.TryAdd(((IFieldReferenceOperation)operation.Operation).Field, true), OperationKind.FieldReference);
            start.RegisterCompilationEndAction(end =>
            {
                var files = start.Options.AdditionalFiles.Where(f => f.Path.EndsWith(".cu", StringComparison.Ordinal))
                    .SelectMany(f => KernelDeclarations.In(Path.GetFileName(f.Path), f.GetText(end.CancellationToken)?.ToString() ?? ""))
                    .GroupBy(k => k.Name).ToDictionary(g => g.Key, g => g.First().File);
                foreach (var (type, at) in classes)
                    foreach (var field in type.GetMembers().OfType<IFieldSymbol>().Where(f => f.IsConst && !read.ContainsKey(f)))
                        end.ReportDiagnostic(Diagnostic.Create(Descriptors.KernelNeverLaunched, at,
                            field.ConstantValue, files.TryGetValue((string)field.ConstantValue!, out var file) ? file : "?", field.Name));
            });
        });
    }
}
