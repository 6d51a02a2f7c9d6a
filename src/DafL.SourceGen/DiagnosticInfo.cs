using Microsoft.CodeAnalysis;

namespace DafL.SourceGen;

/// <summary>
/// A diagnostic as the incremental pipeline carries it from the model to the output step (a
/// <see cref="Diagnostic"/> itself holds no value equality worth caching on).
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, Location? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        new(descriptor, location, new EquatableArray<string>(arguments));

    public Diagnostic ToDiagnostic() => Diagnostic.Create(Descriptor, Location, Arguments.ToArray<object>());
}
