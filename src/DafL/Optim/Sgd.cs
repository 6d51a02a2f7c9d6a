using DafL.Backends;

namespace DafL.Optim;

/// <summary>
/// <c>torch.optim.SGD</c>: momentum (the buffer starts as the first step's gradient), dampening, L2 weight decay
/// added to the gradient, Nesterov. One fused kernel pass per parameter.
/// </summary>
public sealed class Sgd : Optimizer
{
    static readonly string[] MomentumState = ["momentum_buffer"];

    public double Momentum { get; }
    public double Dampening { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }

    public Sgd(IEnumerable<Tensor> parameters, float lr, float momentum = 0f, float weightDecay = 0f, bool nesterov = false, float dampening = 0f)
        : this([new ParamGroup(parameters)], lr, momentum, weightDecay, nesterov, dampening) { }

    public Sgd(IEnumerable<ParamGroup> groups, float lr, float momentum = 0f, float weightDecay = 0f, bool nesterov = false, float dampening = 0f)
        : base(groups, lr)
    {
        if (!(momentum >= 0)) throw new ArgumentException($"Sgd: momentum {momentum} must be ≥ 0.");
        if (!(weightDecay >= 0)) throw new ArgumentException($"Sgd: weight decay {weightDecay} must be ≥ 0.");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException($"Sgd: Nesterov momentum needs momentum > 0 and dampening 0 (got momentum {momentum}, dampening {dampening}).");
        Momentum = Hyperparameter.AsWritten(momentum);
        Dampening = Hyperparameter.AsWritten(dampening);
        WeightDecay = Hyperparameter.AsWritten(weightDecay);
        Nesterov = nesterov;
    }

    protected override IReadOnlyList<string> StateNames => Momentum != 0 ? MomentumState : [];

    private protected override void Update(ParamGroup group, IReadOnlyList<ParamUpdate> updates)
    {
        var scalars = new SgdScalars((float)-group.Lr, (float)Momentum, (float)(1 - Dampening), (float)WeightDecay, Nesterov);
        foreach (var (param, grad, state) in updates)
            param.Backend.SgdStep(param, grad, Momentum != 0 ? state.Slots[0] : null, scalars, firstStep: state.Step == 1);
    }
}
