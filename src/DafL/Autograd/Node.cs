namespace DafL.Autograd;

/// <summary>
/// One recorded op in the graph: the inputs it differentiates with respect to and a closure that maps the
/// gradient of its output to the gradients of those inputs (null where an input needs none). The closure
/// holds the tensors saved for backward; <see cref="Release"/> drops it so their memory can go. Tensors the op made
/// only for its backward (batch statistics, argmax indices) are owned by the node and disposed on release.
/// </summary>
public sealed class Node
{
    Func<Tensor, Tensor?[]>? _backward;
    Tensor[]? _owned;

    public string Op { get; }
    public Tensor[] Inputs { get; }
    /// <summary>Input shapes as recorded, for error messages after the inputs are gone.</summary>
    public string InputShapes { get; }
    public int[] OutputShape { get; }

    internal Node(string op, Tensor[] inputs, int[] outputShape, Func<Tensor, Tensor?[]> backward, Tensor[]? owned = null)
    {
        _owned = owned;
        Op = op;
        Inputs = inputs;
        OutputShape = outputShape;
        InputShapes = string.Join(", ", inputs.Select(i => Tensor.ShapeString(i.Shape)));
        _backward = backward;
    }

    public bool IsReleased => _backward == null;

    internal Tensor?[] Apply(Tensor gradOutput)
    {
        var f = _backward ?? throw new InvalidOperationException(
            $"Backward through a freed graph: op '{Op}' (inputs {InputShapes} → output {Tensor.ShapeString(OutputShape)}) " +
            "already ran its backward and released what it saved. Call Backward(retainGraph: true) the first time to go through it twice.");
        var grads = f(gradOutput);
        if (grads.Length != Inputs.Length)
            throw new InvalidOperationException($"Op '{Op}': backward returned {grads.Length} gradients for {Inputs.Length} inputs.");
        return grads;
    }

    /// <summary>Drops the backward closure and disposes the tensors this node owns (idempotent).</summary>
    internal void Release()
    {
        _backward = null;
        var owned = Interlocked.Exchange(ref _owned, null);
        if (owned != null)
            foreach (var t in owned) t.Dispose();
    }

    public override string ToString() => $"{Op}({InputShapes}) → {Tensor.ShapeString(OutputShape)}";
}
