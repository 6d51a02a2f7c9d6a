using DafL.Autograd;

namespace DafL.Ops;

/// <summary>
/// Differentiable ops, PyTorch's <c>torch.nn.functional</c> in spirit. Each op family lives in its own file
/// (Functional.*.cs) with forward and backward side by side: the forward calls the backend, then
/// <see cref="Graph.Record"/> attaches a closure that maps the output's gradient to the inputs' gradients.
/// A backward closure returns fresh tensors (or the incoming gradient itself), never a saved tensor or a view.
/// </summary>
public static partial class Functional
{
    /// <summary>Throws when two shapes differ, naming the op and both shapes.</summary>
    internal static void CheckSameShape(string op, Tensor a, Tensor b)
    {
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape))
            throw new ArgumentException($"{op}: shapes {Tensor.ShapeString(a.Shape)} and {Tensor.ShapeString(b.Shape)} differ.");
    }

    /// <summary>Throws unless <paramref name="t"/> has rank <paramref name="rank"/>.</summary>
    internal static void CheckRank(string op, Tensor t, int rank, string what)
    {
        if (t.Rank != rank)
            throw new ArgumentException($"{op}: {what} must be {rank}-D, got {Tensor.ShapeString(t.Shape)}.");
    }
}
