using DafL.Autograd;

namespace DafL.Ops;

/// <summary>
/// Differentiable ops, PyTorch's <c>torch.nn.functional</c> in spirit. Each op family lives in its own file
/// (Functional.*.cs) with forward and backward side by side: the forward calls the backend, then
/// <see cref="Record"/> attaches a closure that maps the output's gradient to the inputs' gradients.
/// A backward closure returns fresh tensors (or the incoming gradient itself), never a saved tensor or a view.
/// </summary>
public static partial class Functional
{
    /// <summary>Whether an op on these inputs must record a graph node.</summary>
    internal static bool NeedsGrad(params ReadOnlySpan<Tensor> inputs)
    {
        if (!GradMode.IsEnabled) return false;
        foreach (var t in inputs) if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>Attaches a graph node to <paramref name="output"/> when any input requires grad.</summary>
    internal static Tensor Record(string op, Tensor output, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        if (!NeedsGrad(inputs)) return output;
        output.GradFn = new Node(op, inputs, output.Shape, backward);
        output.RequiresGrad = true;
        return output;
    }

    /// <summary>
    /// <see cref="Record"/> for an op that made tensors only its backward needs (batch statistics, argmax indices):
    /// they leave every scope and belong to the node, which disposes them when it is released (after backward, or
    /// when <paramref name="output"/> is disposed). Without a node they are disposed at once.
    /// </summary>
    internal static Tensor RecordOwning(string op, Tensor output, Tensor[] inputs, Tensor[] owned, Func<Tensor, Tensor?[]> backward)
    {
        if (!NeedsGrad(inputs))
        {
            foreach (var t in owned) t.Dispose();
            return output;
        }
        foreach (var t in owned) TensorScope.Detach(t);
        output.GradFn = new Node(op, inputs, output.Shape, backward, owned);
        output.RequiresGrad = true;
        return output;
    }

    /// <summary>A view (or copy) with the same elements in the same order: the gradient is reshaped back.</summary>
    internal static Tensor RecordView(string op, Tensor view, Tensor source) =>
        Record(op, view, [source], gy =>
        {
            using var c = gy.ContiguousNoGrad();
            return [c.ReshapeNoGrad(source.Shape)];
        });

    internal static Tensor RecordNarrow0(Tensor view, Tensor source, int start) =>
        Record("narrow0", view, [source], gy =>
        {
            var g = Tensor.Zeros(source.Shape, source.Device);
            using (var slot = g.Narrow0(start, view.Shape[0])) slot.CopyFrom(gy);
            return [g];
        });

    internal static Tensor RecordTranspose(Tensor view, Tensor source) =>
        Record("transpose", view, [source], gy =>
        {
            var g = Tensor.Empty(source.Shape, source.Device);
            using (var gt = gy.T()) g.CopyFrom(gt);
            return [g];
        });

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

    /// <summary>Both tensors on one device, or an error naming the op.</summary>
    internal static void CheckSameDevice(string op, Tensor a, Tensor b)
    {
        if (a.Device != b.Device)
            throw new ArgumentException($"{op}: tensors on {a.Device} and {b.Device}; move them to one device.");
    }
}
