using System.Globalization;
using DafL.Autograd;
using DafL.Errors;

namespace DafL.Optim;

/// <summary>
/// Base of the optimizers, shaped like <c>torch.optim.Optimizer</c>: parameter groups with their own learning
/// rate (which schedulers change), and per-parameter state created on a parameter's first update (untracked, owned
/// by the optimizer, freed by <see cref="Dispose"/>). Parameters without a gradient are skipped, as in PyTorch.
/// </summary>
public abstract class Optimizer : IDisposable
{
    readonly ParamGroup[] _groups;
    readonly Tensor[] _params; // every parameter of every group, in order; the index is the state key's number
    readonly Dictionary<Tensor, ParamState> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>One group holding <paramref name="parameters"/> with learning rate <paramref name="lr"/>.</summary>
    protected Optimizer(IEnumerable<Tensor> parameters, float lr) : this([new ParamGroup(parameters)], lr) { }

    /// <summary>Several groups; a group without its own learning rate takes <paramref name="lr"/>.</summary>
    protected Optimizer(IEnumerable<ParamGroup> groups, float lr)
    {
        string name = GetType().Name;
        _groups = groups.ToArray();
        foreach (var g in _groups) g.Bind(this, lr);
        _params = _groups.SelectMany(g => g.Params).ToArray();
        if (_params.Length == 0) throw new ArgumentException($"{name}: got an empty parameter list.");
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var p in _params)
        {
            if (!seen.Add(p)) throw new ArgumentException($"{name}: parameter {Tensor.ShapeString(p.Shape)} appears more than once.");
            if (!p.IsLeaf) throw new ArgumentException($"{name}: cannot optimise a non-leaf tensor (made by '{p.GradFn!.Op}').");
            if (!p.IsContiguous) throw new ArgumentException($"{name}: parameter {Tensor.ShapeString(p.Shape)} is not contiguous; updates must write its own memory.");
        }
    }

    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>The first group's learning rate (the only one for a single-group optimizer).</summary>
    public double LearningRate => _groups[0].Lr;

    /// <summary>Calls of <see cref="Step"/> so far (or as restored by <see cref="LoadState"/>).</summary>
    public int StepCount { get; private set; }

    /// <summary>Names of the per-parameter state tensors, PyTorch's keys (<c>momentum_buffer</c>, <c>exp_avg</c>, …).</summary>
    protected abstract IReadOnlyList<string> StateNames { get; }

    /// <summary>
    /// Updates the parameters of <paramref name="group"/> that have a gradient, each from its (contiguous) gradient;
    /// every state's Step already counts this update. The list is the optimizer's own, valid during the call only.
    /// </summary>
    private protected abstract void Update(ParamGroup group, IReadOnlyList<ParamUpdate> updates);

    /// <summary>This step's updates of one group, reused from step to step.</summary>
    readonly List<ParamUpdate> _updates = [];

    /// <summary>Applies one update to every parameter that has a gradient, one <see cref="Update"/> per group.</summary>
    public void Step()
    {
        StepCount++;
        using var _ = GradMode.NoGrad();
        foreach (var group in _groups)
        {
            _updates.Clear();
            try
            {
                foreach (var p in group.Params)
                {
                    if (p.Grad == null) continue;
                    if (!_state.TryGetValue(p, out var state)) _state[p] = state = new ParamState(p, StateNames.Count);
                    else if (state.StepTensor.Device != p.Device)
                        throw new InvalidOperationException($"{GetType().Name}: parameter {Tensor.ShapeString(p.Shape)} is on {p.Device} but its optimizer state is on {state.StepTensor.Device}; " +
                            "move the model (Module.To) before the optimizer's first step.");
                    state.Step++;
                    _updates.Add(new ParamUpdate(p, p.Grad.ContiguousNoGrad(), state));
                }
                if (_updates.Count > 0) Update(group, _updates);
            }
            finally
            {
                foreach (var u in _updates) u.Grad.Dispose();
                _updates.Clear();
            }
        }
    }

    /// <summary>Frees every parameter's gradient (PyTorch's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _params) p.ZeroGrad();
    }

    // ---------------------------------------------------------------- checkpoints

    /// <summary>
    /// The state for a checkpoint, keyed as PyTorch's optimizer <c>state_dict()['state']</c> flattened:
    /// "{index}.step" and "{index}.{name}" per parameter that has state, the index counting parameters over all
    /// groups in order. The tensors are the optimizer's own (valid until its next step or disposal), not copies.
    /// </summary>
    public IReadOnlyList<(string Key, Tensor Tensor)> StateTensors()
    {
        var result = new List<(string, Tensor)>();
        for (int i = 0; i < _params.Length; i++)
        {
            if (!_state.TryGetValue(_params[i], out var s)) continue;
            s.StepTensor.Backend.Fill(s.StepTensor, s.Step);
            result.Add(($"{i}.step", s.StepTensor));
            for (int k = 0; k < s.Slots.Length; k++) result.Add(($"{i}.{StateNames[k]}", s.Slots[k]));
        }
        return result;
    }

    /// <summary>
    /// Replaces the state with one saved by <see cref="StateTensors"/> and sets <see cref="StepCount"/> to
    /// <paramref name="stepCount"/>. Everything is checked first (key names, every tensor of a parameter present,
    /// shapes, whole step counts); an error names <paramref name="source"/> and the key, and leaves the state as it was.
    /// </summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state, int stepCount, string source)
    {
        if (stepCount < 0) throw new InputException(source, "optimizer step count", "a whole number ≥ 0", $"{stepCount}");
        string KeyForm() => $"keys '{{parameter index < {_params.Length}}}.{{name}}' with name step, {string.Join(", ", StateNames)}";
        var steps = new Dictionary<int, int>();
        var mentioned = new HashSet<int>();
        foreach (var (key, t) in state)
        {
            int dot = key.IndexOf('.');
            if (dot < 0 || !int.TryParse(key.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int i) || i >= _params.Length)
                throw new InputException(source, "optimizer state keys", KeyForm(), $"'{InputText.Show(key)}'");
            mentioned.Add(i);
            string name = key[(dot + 1)..];
            if (name == "step")
            {
                // A 0-d tensor, as PyTorch's optimizers and StateTensors write it: any other shape is not a step count.
                float v = t.Shape.Length == 0 ? t.Item() : float.NaN;
                if (!(v >= 0 && v < 2147483648f && v == MathF.Floor(v)))
                    throw new InputException(source, $"optimizer state '{key}'", "one whole number from 0 to 2³¹ − 1 (a 0-d tensor)",
                        t.Shape.Length == 0 ? $"{v}" : $"a tensor of shape {Tensor.ShapeString(t.Shape)}");
                steps[i] = (int)v;
            }
            else if (!StateNames.Contains(name))
                throw new InputException(source, "optimizer state keys", $"{KeyForm()} ({GetType().Name})", $"'{InputText.Show(key)}'");
        }
        foreach (int i in mentioned)
            if (!steps.ContainsKey(i))
                throw new InputException(source, $"optimizer state '{i}.step'", $"the step count of parameter {i}, which has other state", "none");
        foreach (int i in steps.Keys)
            foreach (var name in StateNames)
            {
                string key = $"{i}.{name}";
                string expected = $"{Tensor.ShapeString(_params[i].Shape)} (parameter {i})";
                if (!state.TryGetValue(key, out var t))
                    throw new InputException(source, $"optimizer state '{key}'", $"a tensor of shape {expected}", "none");
                if (!t.Shape.AsSpan().SequenceEqual(_params[i].Shape))
                    throw new InputException(source, $"optimizer state '{key}' shape", expected, Tensor.ShapeString(t.Shape));
            }

        ClearState();
        foreach (var (i, step) in steps)
        {
            var s = new ParamState(_params[i], StateNames.Count) { Step = step };
            for (int k = 0; k < s.Slots.Length; k++) s.Slots[k].CopyFrom(state[$"{i}.{StateNames[k]}"]);
            _state[_params[i]] = s;
        }
        StepCount = stepCount;
    }

    void ClearState()
    {
        foreach (var s in _state.Values) s.Dispose();
        _state.Clear();
    }

    /// <summary>Frees the state tensors (the parameters belong to their module).</summary>
    public void Dispose()
    {
        ClearState();
        GC.SuppressFinalize(this);
    }
}
