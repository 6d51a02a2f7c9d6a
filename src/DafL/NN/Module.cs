namespace DafL.NN;

/// <summary>
/// Base of every layer and model, shaped like PyTorch's <c>nn.Module</c>: children, parameters and buffers are
/// registered by name in order, so <see cref="StateDict"/> yields PyTorch's keys (<c>conv1.weight</c>,
/// <c>layer1.0.bn1.running_mean</c>, <c>bn1.num_batches_tracked</c>). A module owns its parameters and buffers
/// (created untracked, so no training-step scope disposes them) and disposes them, and its children, in
/// <see cref="Dispose"/>.
/// </summary>
public abstract class Module : IDisposable
{
    readonly List<(string Name, Module Module)> _children = new();
    readonly List<(string Name, Tensor Tensor)> _parameters = new();
    readonly List<(string Name, Tensor Tensor)> _buffers = new();
    bool _disposed;

    public bool IsTraining { get; private set; } = true;

    /// <summary>Registers a child module under <paramref name="name"/> (its keys get the prefix "name.").</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        return module;
    }

    /// <summary>Registers a trainable tensor; it becomes a leaf that requires grad.</summary>
    protected Tensor RegisterParameter(string name, Tensor tensor)
    {
        TensorScope.Detach(tensor);
        tensor.RequiresGrad = true;
        _parameters.Add((name, tensor));
        return tensor;
    }

    /// <summary>Registers a state tensor that is saved but not trained (BatchNorm's running statistics).</summary>
    protected Tensor RegisterBuffer(string name, Tensor tensor)
    {
        TensorScope.Detach(tensor);
        _buffers.Add((name, tensor));
        return tensor;
    }

    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return (prefix + name, p);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedParameters(prefix + name + ".")) yield return item;
    }

    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(string prefix = "")
    {
        foreach (var (name, b) in _buffers) yield return (prefix + name, b);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedBuffers(prefix + name + ".")) yield return item;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Number of trainable scalars (the paper's "#params").</summary>
    public long ParameterCount() => Parameters().Sum(p => p.Numel);

    /// <summary>
    /// Every parameter and buffer by its PyTorch key, in PyTorch's order (a module's own parameters, then its
    /// buffers, then each child's). The tensors are the module's own, not copies.
    /// </summary>
    public IReadOnlyList<(string Key, Tensor Tensor)> StateDict()
    {
        var result = new List<(string, Tensor)>();
        Collect(this, "", result);
        return result;

        static void Collect(Module m, string prefix, List<(string, Tensor)> into)
        {
            foreach (var (name, p) in m._parameters) into.Add((prefix + name, p));
            foreach (var (name, b) in m._buffers) into.Add((prefix + name, b));
            foreach (var (name, child) in m._children) Collect(child, prefix + name + ".", into);
        }
    }

    /// <summary>
    /// Copies values into this module's parameters and buffers by key. With <paramref name="strict"/>, a missing or
    /// unexpected key is an error; a shape mismatch is always one. <paramref name="source"/> names the origin in errors.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true, string source = "state dict")
    {
        var own = StateDict();
        var missing = own.Where(e => !state.ContainsKey(e.Key)).Select(e => e.Key).ToList();
        var ownKeys = own.Select(e => e.Key).ToHashSet();
        var unexpected = state.Keys.Where(k => !ownKeys.Contains(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new InvalidDataException($"{source}: does not fit {GetType().Name}. " +
                (missing.Count > 0 ? $"Missing keys: {string.Join(", ", missing)}. " : "") +
                (unexpected.Count > 0 ? $"Unexpected keys: {string.Join(", ", unexpected)}." : ""));
        foreach (var (key, target) in own)
        {
            if (!state.TryGetValue(key, out var value)) continue;
            if (!value.Shape.AsSpan().SequenceEqual(target.Shape))
                throw new InvalidDataException($"{source}: '{key}' has shape {Tensor.ShapeString(value.Shape)}, expected {Tensor.ShapeString(target.Shape)} for {GetType().Name}.");
            target.CopyFrom(value);
        }
    }

    /// <summary>Sets training mode here and in every descendant (BatchNorm switches statistics).</summary>
    public Module Train(bool training = true)
    {
        IsTraining = training;
        foreach (var (_, child) in _children) child.Train(training);
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Frees every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>Stops gradients to every parameter (a frozen teacher): its backward then skips weight gradients.</summary>
    public void Freeze()
    {
        foreach (var p in Parameters())
        {
            p.ZeroGrad();
            p.RequiresGrad = false;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, p) in _parameters) p.Dispose();
        foreach (var (_, b) in _buffers) b.Dispose();
        foreach (var (_, c) in _children) c.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A module with one input and one output.</summary>
public abstract class Layer : Module
{
    public abstract Tensor Forward(Tensor x);
}
