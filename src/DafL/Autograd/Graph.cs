namespace DafL.Autograd;

/// <summary>
/// Records ops into the autograd graph: the one place that attaches a <see cref="Node"/> to an op's output. It sits
/// below both of its users: <see cref="Tensor"/>'s views (reshape, narrow, transpose, contiguous) and the ops of
/// <see cref="Ops.Functional"/> record through it, so the core tensor never calls up into the ops.
/// </summary>
internal static class Graph
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
}
