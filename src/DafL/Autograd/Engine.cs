namespace DafL.Autograd;

/// <summary>
/// Reverse-mode differentiation over the recorded graph: one topological sort from the root, then each node's
/// backward in reverse order. Gradients of leaves accumulate (+=) into <see cref="Tensor.Grad"/>; gradients of
/// intermediate tensors live only while needed and are disposed here.
/// </summary>
public static class Engine
{
    public static void Backward(Tensor root, Tensor? gradient, bool retainGraph)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"Backward: tensor {Tensor.ShapeString(root.Shape)} does not require grad (no parameter or input with RequiresGrad reached it).");
        if (gradient == null && root.Numel != 1)
            throw new InvalidOperationException($"Backward: an implicit gradient needs a scalar, got {Tensor.ShapeString(root.Shape)}; pass a gradient of the same shape.");
        if (gradient != null && !gradient.Shape.AsSpan().SequenceEqual(root.Shape))
            throw new ArgumentException($"Backward: gradient {Tensor.ShapeString(gradient.Shape)} does not match tensor {Tensor.ShapeString(root.Shape)}.");
        if (gradient != null) Tensor.CheckSameDevice("Backward", root, gradient);
        DeferredLossCheck.Watch(root);

        using var _ = GradMode.NoGrad();
        var seed = gradient != null ? gradient.Clone() : Tensor.Ones(root.Shape, root.Device);
        if (root.GradFn == null)
        {
            if (root.Grad == null) root.Grad = TensorScope.Detach(seed);
            else
            {
                root.Grad.Backend.AddInPlace(root.Grad, seed);
                seed.Dispose();
            }
            return;
        }

        var order = TopologicalOrder(root.GradFn);
        var grads = new Dictionary<Node, Tensor> { [root.GradFn] = seed };
        foreach (var node in order)
        {
            if (!grads.Remove(node, out var gy)) continue; // no gradient reached this node
            var ins = node.Apply(gy);
            bool gyKept = false; // gy itself was stored as some input's gradient: do not dispose it
            for (int i = 0; i < ins.Length; i++)
            {
                var g = ins[i];
                if (g == null) continue;
                bool isGy = ReferenceEquals(g, gy);
                var input = node.Inputs[i];
                Tensor? target = !input.RequiresGrad ? null
                    : input.GradFn == null ? input.Grad
                    : grads.GetValueOrDefault(input.GradFn);
                if (!input.RequiresGrad || target != null)
                {
                    target?.Backend.AddInPlace(target, g);
                    if (!isGy) g.Dispose();
                    continue;
                }
                if (isGy)
                {
                    if (gyKept) g = gy.Clone();
                    gyKept = true;
                }
                if (input.GradFn == null) input.Grad = TensorScope.Detach(g);
                else grads[input.GradFn] = g;
            }
            if (!gyKept) gy.Dispose();
            if (!retainGraph) node.Release();
        }
        foreach (var g in grads.Values) g.Dispose();
    }

    /// <summary>
    /// Reads now the losses whose finite check backward deferred on <paramref name="device"/> (one device→host copy;
    /// nothing when there are none) and throws <see cref="ArithmeticException"/> for a non-finite one. A training
    /// loop never needs it: its next <see cref="Tensor.Items"/> does the same. For code that ends without reading.
    /// </summary>
    public static void CheckDeferredLosses(Device device) => Tensor.ReadScalars(device, []);

    /// <summary>Nodes ordered so that every node comes before the nodes of its inputs.</summary>
    static List<Node> TopologicalOrder(Node root)
    {
        var visited = new HashSet<Node>();
        var post = new List<Node>();
        var stack = new Stack<(Node node, int next)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node.Inputs.Length)
            {
                stack.Push((node, next + 1));
                var child = node.Inputs[next].GradFn;
                if (child != null && visited.Add(child)) stack.Push((child, 0));
            }
            else post.Add(node);
        }
        post.Reverse();
        return post;
    }
}
