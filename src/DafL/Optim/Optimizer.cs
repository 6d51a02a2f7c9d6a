namespace DafL.Optim;

/// <summary>
/// Base of the optimizers: a list of parameters with one learning rate that schedules change, and per-parameter
/// state tensors created on first use (untracked, owned and disposed by the optimizer).
/// Parameters without a gradient are skipped, as in PyTorch.
/// </summary>
public abstract class Optimizer : IDisposable
{
    protected readonly Tensor[] Params;
    readonly Dictionary<Tensor, Tensor[]> _state = new(ReferenceEqualityComparer.Instance);

    public float LearningRate { get; set; }
    /// <summary>Steps taken so far.</summary>
    public int StepCount { get; protected set; }

    protected Optimizer(IEnumerable<Tensor> parameters, float lr)
    {
        Params = parameters.ToArray();
        if (lr < 0) throw new ArgumentOutOfRangeException(nameof(lr), $"{GetType().Name}: learning rate {lr} is negative.");
        LearningRate = lr;
    }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public abstract void Step();

    public void ZeroGrad()
    {
        foreach (var p in Params) p.ZeroGrad();
    }

    /// <summary>The state tensors of <paramref name="p"/>, zero-initialised on first use.</summary>
    protected Tensor[] State(Tensor p, int count)
    {
        if (_state.TryGetValue(p, out var s)) return s;
        using (TensorScope.Untracked())
        {
            s = new Tensor[count];
            for (int i = 0; i < count; i++) s[i] = Tensor.Zeros(p.Shape, p.Device);
        }
        _state[p] = s;
        return s;
    }

    /// <summary>Named state for checkpoints: "{index}.{slot}" per parameter in order, plus the step count.</summary>
    public IReadOnlyList<(string Key, Tensor Tensor)> StateTensors()
    {
        var result = new List<(string, Tensor)>();
        for (int i = 0; i < Params.Length; i++)
            if (_state.TryGetValue(Params[i], out var s))
                for (int k = 0; k < s.Length; k++) result.Add(($"{i}.{k}", s[k]));
        return result;
    }

    /// <summary>Restores state saved by <see cref="StateTensors"/> (slot count <paramref name="slots"/> per parameter).</summary>
    protected void LoadStateTensors(IReadOnlyDictionary<string, Tensor> state, int slots, int stepCount, string source)
    {
        StepCount = stepCount;
        for (int i = 0; i < Params.Length; i++)
        {
            if (!state.ContainsKey($"{i}.0")) continue;
            var s = State(Params[i], slots);
            for (int k = 0; k < slots; k++)
            {
                if (!state.TryGetValue($"{i}.{k}", out var t))
                    throw new InvalidDataException($"{source}: optimizer state '{i}.{k}' is missing.");
                if (!t.Shape.AsSpan().SequenceEqual(s[k].Shape))
                    throw new InvalidDataException($"{source}: optimizer state '{i}.{k}' has shape {Tensor.ShapeString(t.Shape)}, expected {Tensor.ShapeString(s[k].Shape)}.");
                s[k].CopyFrom(t);
            }
        }
    }

    /// <summary>Restores state saved by <see cref="StateTensors"/>.</summary>
    public abstract void LoadState(IReadOnlyDictionary<string, Tensor> state, int stepCount, string source);

    public void Dispose()
    {
        foreach (var s in _state.Values)
            foreach (var t in s) t.Dispose();
        _state.Clear();
        GC.SuppressFinalize(this);
    }
}
