namespace DafL.SourceGen.Dispatch;

/// <summary>What the generator writes for one class marked <c>[GenerateDispatch(typeof(I))]</c>.</summary>
internal sealed record DispatchTarget(
    string Namespace,
    string ClassName,
    string InterfaceName,
    EquatableArray<string> Usings,
    EquatableArray<DispatchMember> Members,
    EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// One interface member the class does not implement itself. A method that takes a tensor is a kernel and goes
/// through the observer; anything else (a property, a method without tensors) is forwarded as it is.
/// </summary>
internal sealed record DispatchMember(
    string Name,
    string ReturnType,
    bool IsProperty,
    bool IsKernel,
    string SourceFile,
    EquatableArray<DispatchParameter> Parameters);

/// <summary>
/// A parameter as the generated signature writes it. <see cref="IsTensorArray"/>: a <c>Tensor[]</c> (a multi-tensor
/// kernel's list), whose elements the call lists in place (<see cref="IsTensor"/> is also true).
/// </summary>
internal sealed record DispatchParameter(string Name, string Type, bool IsTensor, bool IsOutput, bool IsTensorArray = false);
