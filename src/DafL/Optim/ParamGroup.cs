namespace DafL.Optim;

/// <summary>
/// Parameters that share a learning rate, like one entry of PyTorch's <c>param_groups</c>. Schedulers change
/// <see cref="Lr"/> per group. A group belongs to one optimizer.
/// </summary>
public sealed class ParamGroup
{
    readonly float? _requestedLr;
    Optimizer? _owner;

    /// <param name="parameters">Leaf tensors to optimise.</param>
    /// <param name="lr">This group's learning rate; null takes the optimizer's.</param>
    public ParamGroup(IEnumerable<Tensor> parameters, float? lr = null)
    {
        Params = parameters.ToArray();
        _requestedLr = lr;
    }

    public IReadOnlyList<Tensor> Params { get; }

    /// <summary>Current learning rate, a double as in PyTorch (the kernels use it rounded to float32).</summary>
    public double Lr { get; set; }

    /// <summary>Fixes the learning rate when the optimizer takes this group.</summary>
    internal void Bind(Optimizer owner, float defaultLr)
    {
        if (_owner != null)
            throw new ArgumentException($"{owner.GetType().Name}: this parameter group already belongs to a {_owner.GetType().Name}.");
        float lr = _requestedLr ?? defaultLr;
        if (!(lr >= 0)) throw new ArgumentException($"{owner.GetType().Name}: learning rate {lr} must be a number ≥ 0.");
        _owner = owner;
        Lr = Hyperparameter.AsWritten(lr);
    }
}
