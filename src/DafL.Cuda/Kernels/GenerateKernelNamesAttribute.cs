namespace DafL.Backends.Cuda.Kernels;

/// <summary>
/// Asks DafL.SourceGen's KernelNamesGenerator to complete this partial class with one constant per kernel of the
/// .cu files passed as AdditionalFiles (DafL.Cuda.csproj) and their name → file table.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class GenerateKernelNamesAttribute : Attribute;
