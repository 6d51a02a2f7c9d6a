using DafL.Autograd;
using DafL.Errors;

namespace DafL.NN;

/// <summary>
/// Base of every layer and model, shaped like PyTorch's <c>nn.Module</c>: children, parameters and buffers are
/// registered by name in order, so <see cref="StateDict"/> yields PyTorch's keys in PyTorch's order
/// (<c>conv1.weight</c>, <c>layer1.0.bn1.running_mean</c>, <c>bn1.num_batches_tracked</c>).
/// Ownership: a module owns its parameters and buffers (created untracked, so no training-step scope disposes
/// them) and its children, and disposes all of them in <see cref="Dispose"/>.
/// </summary>
public abstract class Module : IDisposable
{
    readonly List<(string Name, Module Module)> _children = new();
    readonly List<(string Name, Tensor Tensor)> _parameters = new();
    readonly List<(string Name, Tensor Tensor)> _buffers = new();
    bool _disposed;

    /// <summary>Training mode (BatchNorm uses batch statistics and updates its running ones); true at construction.</summary>
    public bool IsTraining { get; private set; } = true;

    // ---------------------------------------------------------------- registration

    /// <summary>Registers a child module under <paramref name="name"/>; its keys get the prefix "name.".</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckNewName(name);
        _children.Add((name, module));
        return module;
    }

    /// <summary>Registers a trainable tensor, which becomes a leaf that requires grad, owned by this module.</summary>
    protected Tensor RegisterParameter(string name, Tensor tensor)
    {
        CheckNewName(name);
        CheckOwnable(name, tensor);
        TensorScope.Detach(tensor);
        tensor.RequiresGrad = true;
        _parameters.Add((name, tensor));
        return tensor;
    }

    /// <summary>Registers a state tensor that is saved but not trained (BatchNorm's running statistics), owned by this module.</summary>
    protected Tensor RegisterBuffer(string name, Tensor tensor)
    {
        CheckNewName(name);
        CheckOwnable(name, tensor);
        TensorScope.Detach(tensor);
        _buffers.Add((name, tensor));
        return tensor;
    }

    void CheckNewName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: '{name}' is not a valid member name (non-empty, no '.').", nameof(name));
        if (_children.Any(c => c.Name == name) || _parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name))
            throw new ArgumentException($"{GetType().Name}: a child, parameter or buffer named '{name}' is already registered.", nameof(name));
    }

    void CheckOwnable(string name, Tensor tensor)
    {
        // A view of another tensor could be freed or changed behind the module's back, and a non-leaf carries a graph.
        if (!tensor.IsContiguous || !tensor.IsLeaf)
            throw new ArgumentException($"{GetType().Name}: '{name}' must be a contiguous leaf tensor; got {Tensor.ShapeString(tensor.Shape)} " +
                $"with strides {Tensor.ShapeString(tensor.Strides)}{(tensor.IsLeaf ? "" : $", made by '{tensor.GradFn!.Op}'")}.", nameof(tensor));
    }

    // ---------------------------------------------------------------- traversal

    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    /// <summary>Parameters with their PyTorch keys: this module's own, then each child's, depth first.</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return (prefix + name, p);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedParameters(prefix + name + ".")) yield return item;
    }

    /// <summary>Buffers with their PyTorch keys: this module's own, then each child's, depth first.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(string prefix = "")
    {
        foreach (var (name, b) in _buffers) yield return (prefix + name, b);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedBuffers(prefix + name + ".")) yield return item;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter);

    public IEnumerable<Tensor> Buffers() => NamedBuffers().Select(b => b.Buffer);

    /// <summary>Number of trainable scalars (PyTorch's <c>sum(p.numel() for p in m.parameters())</c>, the paper's "#params").</summary>
    public long ParameterCount() => Parameters().Sum(p => p.Numel);

    // ---------------------------------------------------------------- state dict

    /// <summary>
    /// Every parameter and buffer by its PyTorch key, in PyTorch's order (a module's own parameters, then its
    /// buffers, then each child's, depth first). The tensors are the module's own, not copies.
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
    /// Copies values into this module's parameters and buffers by key, like PyTorch's <c>load_state_dict</c>.
    /// With <paramref name="strict"/>, a missing or unexpected key is an error; a shape mismatch always is. Everything
    /// is checked before anything is copied, so a failed load leaves the module as it was. <paramref name="source"/>
    /// names the origin (a file) in errors. Returns the keys that were missing and unexpected (empty when strict).
    /// </summary>
    public StateDictLoadResult LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true, string source = "state dict")
    {
        var own = StateDict();
        var ownKeys = own.Select(e => e.Key).ToHashSet();
        var missing = own.Where(e => !state.ContainsKey(e.Key)).Select(e => e.Key).ToList();
        var unexpected = state.Keys.Where(k => !ownKeys.Contains(k)).Order(StringComparer.Ordinal).ToList();
        string model = GetType().Name;
        var problems = new List<InputProblem>();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
        {
            var found = new List<string>();
            if (missing.Count > 0) found.Add($"{missing.Count} missing ({InputText.List(missing)})");
            if (unexpected.Count > 0) found.Add($"{unexpected.Count} unexpected ({InputText.List(unexpected)})");
            problems.Add(new InputProblem(source, "keys", $"the {own.Count} keys of a {model}", string.Join(" and ", found)));
        }
        var misshapen = own.Where(e => state.TryGetValue(e.Key, out var value) && !value.Shape.AsSpan().SequenceEqual(e.Tensor.Shape)).ToList();
        foreach (var (key, target) in misshapen.Take(InputText.ListedNames))
            problems.Add(new InputProblem(source, $"tensor '{key}' shape", $"{Tensor.ShapeString(target.Shape)} ({model})", Tensor.ShapeString(state[key].Shape)));
        if (misshapen.Count > InputText.ListedNames) // a whole other model: the first few say enough
            problems.Add(new InputProblem(source, "shapes", $"those of a {model}", $"{misshapen.Count - InputText.ListedNames} more tensors of other shapes"));
        // A count (BatchNorm's num_batches_tracked) is a whole number ≥ 0, whatever a file holds.
        foreach (var (key, _) in own)
        {
            if (!IO.SafeTensors.IsInt64(key) || !state.TryGetValue(key, out var count)) continue;
            var wrong = count.ToArray().Where(v => !(v >= 0 && v == MathF.Floor(v))).Take(1).ToList();
            if (wrong.Count > 0)
                problems.Add(new InputProblem(source, $"tensor '{key}'", "a count, a whole number ≥ 0", wrong[0].ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (problems.Count > 0) throw new InputException(problems);

        using (GradMode.NoGrad())
            foreach (var (key, target) in own)
                if (state.TryGetValue(key, out var value)) target.CopyFrom(value);
        return new StateDictLoadResult(missing, unexpected);
    }

    // ---------------------------------------------------------------- device

    /// <summary>
    /// Moves every parameter (with its gradient) and buffer, here and in every descendant, to <paramref name="device"/>
    /// in place, like PyTorch's <c>Module.to</c>: the tensors stay the same objects, so layers and an optimizer built
    /// earlier keep working. Optimizer state is made on a parameter's device at its first update, so move the module
    /// before the first step; a step after a move refuses state left on the old device. Call it outside a forward pass
    /// (a parameter with a live view cannot move).
    /// </summary>
    public Module To(Device device)
    {
        foreach (var (_, t) in StateDict()) t.MoveTo(device);
        return this;
    }

    /// <summary>Where this module's parameters and buffers live (CPU for a module without any); an error if they are split.</summary>
    public Device Device
    {
        get
        {
            var devices = StateDict().Select(e => e.Tensor.Device).Distinct().ToList();
            if (devices.Count > 1)
                throw new InvalidOperationException($"{GetType().Name}: parameters and buffers lie on {string.Join(" and ", devices)}; move the module with To(device).");
            return devices.Count == 0 ? Device.Cpu : devices[0];
        }
    }

    // ---------------------------------------------------------------- modes and gradients

    /// <summary>Sets training mode here and in every descendant.</summary>
    public Module Train(bool training = true)
    {
        IsTraining = training;
        foreach (var (_, child) in _children) child.Train(training);
        return this;
    }

    /// <summary>Evaluation mode here and in every descendant (BatchNorm normalises with its running statistics).</summary>
    public Module Eval() => Train(false);

    /// <summary>Frees every parameter's gradient (PyTorch's <c>zero_grad(set_to_none=True)</c>).</summary>
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

    /// <summary>Disposes this module's parameters (and their gradients), buffers and children.</summary>
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
