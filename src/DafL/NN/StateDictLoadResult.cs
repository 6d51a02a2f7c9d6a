namespace DafL.NN;

/// <summary>What <see cref="Module.LoadStateDict"/> left out (PyTorch's <c>_IncompatibleKeys</c>); both empty after a strict load.</summary>
/// <param name="MissingKeys">Keys of the module that the state dict did not have (left unchanged).</param>
/// <param name="UnexpectedKeys">Keys of the state dict that the module does not have (ignored).</param>
public sealed record StateDictLoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
