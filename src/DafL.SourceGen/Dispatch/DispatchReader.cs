using System.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DafL.SourceGen.Dispatch;

/// <summary>
/// Reads a <see cref="DispatchTarget"/> from the semantic model: the interface named by the attribute, member by
/// member, with the [Output] marks on its parameters, and the diagnostics for shapes the decorator cannot forward.
/// </summary>
internal static class DispatchReader
{
    public const string TensorType = "DafL.Tensor";
    public const string OutputAttribute = "DafL.Backends.OutputAttribute";
    /// <summary>Where <c>KernelCall</c>, which the generated kernels build, lives.</summary>
    const string CallNamespace = "DafL.Backends.Dispatch";

    static readonly SymbolDisplayFormat TypeFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes
            | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier
            | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    public static DispatchTarget? Read(GeneratorAttributeSyntaxContext context)
    {
        if (context.TargetSymbol is not INamedTypeSymbol decorator) return null;
        var arguments = context.Attributes[0].ConstructorArguments;
        if (arguments.Length != 1 || arguments[0].Value is not INamedTypeSymbol contract) return null;
        var compilation = context.SemanticModel.Compilation;
        var tensor = compilation.GetTypeByMetadataName(TensorType);
        var output = compilation.GetTypeByMetadataName(OutputAttribute);

        var diagnostics = new List<DiagnosticInfo>();
        var namespaces = new SortedSet<string>(StringComparer.Ordinal) { CallNamespace };
        var members = new List<DispatchMember>();
        foreach (var group in contract.GetMembers().Where(m => m.IsAbstract).GroupBy(m => m.Name))
            if (group.Count() > 1)
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.OverloadedKernel, group.Last().Locations.FirstOrDefault(), contract.Name, group.Key));

        foreach (var member in contract.GetMembers().Where(m => m.IsAbstract))
        {
            if (decorator.FindImplementationForInterfaceMember(member) is not null) continue;
            var location = member.Locations.FirstOrDefault();
            string file = Path.GetFileName(location?.SourceTree?.FilePath ?? "");
            switch (member)
            {
                case IPropertySymbol { IsIndexer: false, SetMethod: null } property:
                    AddNamespaces(property.Type, namespaces);
                    members.Add(new DispatchMember(property.Name, Display(property.Type), true, false, file, default));
                    break;
                case IMethodSymbol { MethodKind: MethodKind.Ordinary } method:
                    if (Unsupported(method) is { } why)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Descriptors.UnsupportedMember, location, contract.Name, method.Name, why));
                        continue;
                    }
                    members.Add(ReadMethod(contract, method, tensor, output, file, namespaces, diagnostics));
                    break;
                case IMethodSymbol:
                    break; // accessors, reached through their property
                default:
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.UnsupportedMember, location, contract.Name, member.Name,
                        "only methods and get-only properties are forwarded"));
                    break;
            }
        }
        return new DispatchTarget(
            decorator.ContainingNamespace.IsGlobalNamespace ? "" : decorator.ContainingNamespace.ToDisplayString(),
            decorator.Name, contract.Name, new EquatableArray<string>(namespaces.ToArray()),
            new EquatableArray<DispatchMember>(members.ToArray()), new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
    }

    static string? Unsupported(IMethodSymbol method)
    {
        if (method.IsGenericMethod) return "it is generic";
        if (method.Parameters.Any(p => p.RefKind != RefKind.None)) return "a parameter is passed by reference (ref, out or in)";
        if (method.ReturnsByRef || method.ReturnsByRefReadonly) return "it returns by reference";
        return null;
    }

    static DispatchMember ReadMethod(INamedTypeSymbol contract, IMethodSymbol method, INamedTypeSymbol? tensor, INamedTypeSymbol? output,
        string file, SortedSet<string> namespaces, List<DiagnosticInfo> diagnostics)
    {
        var parameters = new List<DispatchParameter>();
        foreach (var p in method.Parameters)
        {
            bool isTensorArray = p.Type is IArrayTypeSymbol { Rank: 1 } array
                && SymbolEqualityComparer.Default.Equals(array.ElementType.WithNullableAnnotation(NullableAnnotation.NotAnnotated), tensor);
            bool isTensor = isTensorArray || SymbolEqualityComparer.Default.Equals(p.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated), tensor);
            bool isOutput = p.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, output));
            if (isOutput && !isTensor)
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.OutputNotATensor, p.Locations.FirstOrDefault(),
                    p.Name, contract.Name, method.Name, Display(p.Type)));
            AddNamespaces(p.Type, namespaces);
            parameters.Add(new DispatchParameter(Identifier(p.Name), Display(p.Type), isTensor, isOutput && isTensor, isTensorArray));
        }
        bool isKernel = parameters.Any(p => p.IsTensor);
        if (isKernel && !method.ReturnsVoid)
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.KernelReturnsAValue, method.Locations.FirstOrDefault(),
                contract.Name, method.Name, Display(method.ReturnType)));
        AddNamespaces(method.ReturnType, namespaces);
        return new DispatchMember(method.Name, Display(method.ReturnType), false, isKernel, file,
            new EquatableArray<DispatchParameter>(parameters.ToArray()));
    }

    static string Display(ITypeSymbol type) => type.ToDisplayString(TypeFormat);

    static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>The namespaces a type's name needs in a <c>using</c>, so that the generated signatures read like the interface.</summary>
    static void AddNamespaces(ITypeSymbol type, SortedSet<string> namespaces)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                AddNamespaces(array.ElementType, namespaces);
                break;
            case INamedTypeSymbol named:
                if (named.SpecialType == SpecialType.None && !named.ContainingNamespace.IsGlobalNamespace)
                    namespaces.Add(named.ContainingNamespace.ToDisplayString());
                foreach (var argument in named.TypeArguments) AddNamespaces(argument, namespaces);
                break;
        }
    }
}
