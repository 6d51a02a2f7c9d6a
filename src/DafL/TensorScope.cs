namespace DafL;

/// <summary>
/// Disposes, when it ends, every tensor created on this thread while it was the innermost scope — the
/// activations, gradients and temporaries of one training step. Scopes nest. <see cref="Keep"/> hands a tensor
/// to the enclosing scope (or to no scope), and <see cref="Untracked"/> opens a region whose tensors belong to
/// nobody but their creator (parameters, optimizer state).
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] static TensorScope? _current;

    readonly TensorScope? _parent;
    readonly bool _tracking;
    readonly List<Tensor> _owned = new();
    bool _disposed;

    TensorScope(bool tracking)
    {
        _tracking = tracking;
        _parent = _current;
        _current = this;
    }

    /// <summary>Opens a scope that disposes the tensors created inside it.</summary>
    public static TensorScope Begin() => new(tracking: true);

    /// <summary>Opens a region whose tensors no scope disposes (their creator owns them).</summary>
    public static TensorScope Untracked() => new(tracking: false);

    internal static void Register(Tensor t)
    {
        var s = _current;
        if (s is { _tracking: true })
        {
            s._owned.Add(t);
            t.Scope = s;
        }
    }

    /// <summary>Moves <paramref name="tensor"/> out of whatever scope owns it to the scope enclosing this one.</summary>
    public Tensor Keep(Tensor tensor)
    {
        var target = _parent;
        while (target is { _tracking: false }) target = target._parent;
        tensor.Scope = null;
        if (target != null)
        {
            target._owned.Add(tensor);
            tensor.Scope = target;
        }
        return tensor;
    }

    /// <summary>Removes <paramref name="tensor"/> from every scope: its creator now owns it.</summary>
    public static Tensor Detach(Tensor tensor)
    {
        tensor.Scope = null;
        return tensor;
    }

    public void Dispose()
    {
        if (_disposed) return;
        if (_current != this)
            throw new InvalidOperationException("TensorScope disposed out of order: inner scopes must end before outer ones.");
        _disposed = true;
        _current = _parent;
        foreach (var t in _owned)
            if (t.Scope == this)
            {
                t.Scope = null;
                t.Dispose();
            }
        _owned.Clear();
    }
}
