using Microsoft.CodeAnalysis;

namespace DafL.SourceGen.Dispatch;

/// <summary>
/// Completes every partial class marked <c>[GenerateDispatch(typeof(I))]</c> (in DafL.Core: DispatchingBackend over
/// IBackend) with the members of I it does not write itself, so that adding a method to the interface needs no
/// hand-written forwarder. The class provides <c>Inner</c> (the decorated instance) and <c>Observer</c>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class DispatchGenerator : IIncrementalGenerator
{
    const string Attribute = "DafL.Backends.Dispatch.GenerateDispatchAttribute";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var targets = context.SyntaxProvider.ForAttributeWithMetadataName(Attribute,
            static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
            static (ctx, _) => DispatchReader.Read(ctx));
        context.RegisterSourceOutput(targets, static (spc, target) =>
        {
            if (target is null) return;
            foreach (var diagnostic in target.Diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            if (target.Diagnostics.Count == 0) spc.AddSource($"{target.ClassName}.g.cs", DispatchEmitter.Emit(target));
        });
    }
}
