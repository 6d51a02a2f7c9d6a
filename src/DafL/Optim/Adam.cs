using DafL.Backends;

namespace DafL.Optim;

/// <summary>
/// <c>torch.optim.Adam</c> (L2 weight decay added to the gradient, no amsgrad) with PyTorch's bias correction:
/// at a parameter's t-th update, step size = lr / (1 − β1ᵗ) and denominator = √v / √(1 − β2ᵗ) + ε, the scalars
/// computed in double as PyTorch does. One fused multi-tensor kernel call per parameter group.
/// </summary>
public sealed class Adam : Optimizer
{
    static readonly string[] MomentState = ["exp_avg", "exp_avg_sq"];

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }

    public Adam(IEnumerable<Tensor> parameters, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f)
        : this([new ParamGroup(parameters)], lr, beta1, beta2, eps, weightDecay) { }

    public Adam(IEnumerable<ParamGroup> groups, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f)
        : base(groups, lr)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new ArgumentException($"Adam: betas ({beta1}, {beta2}) must lie in [0, 1).");
        if (!(eps >= 0)) throw new ArgumentException($"Adam: eps {eps} must be ≥ 0.");
        if (!(weightDecay >= 0)) throw new ArgumentException($"Adam: weight decay {weightDecay} must be ≥ 0.");
        Beta1 = Hyperparameter.AsWritten(beta1);
        Beta2 = Hyperparameter.AsWritten(beta2);
        Eps = Hyperparameter.AsWritten(eps);
        WeightDecay = Hyperparameter.AsWritten(weightDecay);
    }

    protected override IReadOnlyList<string> StateNames => MomentState;

    /// <summary>One group's lists for <see cref="IBackend.AdamStepMulti"/>, kept from step to step (remade when the count changes).</summary>
    sealed class GroupLists(int count)
    {
        public readonly Tensor[] Params = new Tensor[count], Grads = new Tensor[count], ExpAvgs = new Tensor[count], ExpAvgSqs = new Tensor[count];
        public readonly AdamScalars[] Scalars = new AdamScalars[count];
    }

    readonly Dictionary<ParamGroup, GroupLists> _lists = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// The whole group in one <see cref="IBackend.AdamStepMulti"/> call (the parameters of one group share a
    /// device, since a model lives on one).
    /// </summary>
    private protected override void Update(ParamGroup group, IReadOnlyList<ParamUpdate> updates)
    {
        int count = updates.Count;
        if (!_lists.TryGetValue(group, out var lists) || lists.Params.Length != count) _lists[group] = lists = new GroupLists(count);
        for (int i = 0; i < count; i++)
        {
            var (param, grad, state) = updates[i];
            (lists.Params[i], lists.Grads[i], lists.ExpAvgs[i], lists.ExpAvgSqs[i], lists.Scalars[i]) =
                (param, grad, state.Slots[0], state.Slots[1], Scalars(group, state.Step));
        }
        try
        {
            lists.Params[0].Backend.AdamStepMulti(lists.Params, lists.Grads, lists.ExpAvgs, lists.ExpAvgSqs, lists.Scalars);
        }
        finally
        {
            // The gradients are freed after the step, and the state may be replaced (LoadState): hold no stale handles.
            Array.Clear(lists.Grads);
            Array.Clear(lists.ExpAvgs);
            Array.Clear(lists.ExpAvgSqs);
        }
    }

    /// <summary>The kernel's scalars at a parameter's t-th update: bias corrections in double, as PyTorch computes them.</summary>
    AdamScalars Scalars(ParamGroup group, int t)
    {
        double biasCorrection1 = 1 - Math.Pow(Beta1, t);
        double biasCorrection2 = 1 - Math.Pow(Beta2, t);
        double stepSize = group.Lr / biasCorrection1;
        return new AdamScalars((float)Beta1, (float)(1 - Beta1), (float)Beta2, (float)(1 - Beta2), (float)WeightDecay,
            (float)-stepSize, (float)Math.Sqrt(biasCorrection2), (float)Eps);
    }
}
