namespace DafL.Backends.Dispatch;

/// <summary>
/// Asks DafL.SourceGen's DispatchGenerator to complete this partial class with every member of
/// <paramref name="contract"/> it does not write itself: each kernel through <c>Observer</c>, everything else
/// forwarded to <c>Inner</c>. The generated half is written to obj/ (src/DafL.SourceGen/README.md).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class GenerateDispatchAttribute(Type contract) : Attribute
{
    public Type Contract { get; } = contract;
}
