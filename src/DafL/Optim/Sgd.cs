namespace DafL.Optim;

/// <summary>torch.optim.SGD: momentum (dampening 0), L2 weight decay, Nesterov.</summary>
public sealed class Sgd : Optimizer
{
    public float Momentum { get; }
    public float WeightDecay { get; }
    public bool Nesterov { get; }
    readonly HashSet<Tensor> _started = new(ReferenceEqualityComparer.Instance);

    public Sgd(IEnumerable<Tensor> parameters, float lr, float momentum = 0f, float weightDecay = 0f, bool nesterov = false) : base(parameters, lr)
    {
        if (nesterov && momentum <= 0) throw new ArgumentException("Sgd: Nesterov momentum needs momentum > 0.");
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
    }

    public override void Step()
    {
        StepCount++;
        foreach (var p in Params)
        {
            if (p.Grad == null) continue;
            var buffer = Momentum != 0 ? State(p, 1)[0] : null;
            bool first = buffer != null && _started.Add(p);
            p.Backend.SgdStep(p, p.Grad, buffer, LearningRate, Momentum, WeightDecay, Nesterov, first);
        }
    }

    public override void LoadState(IReadOnlyDictionary<string, Tensor> state, int stepCount, string source)
    {
        LoadStateTensors(state, 1, stepCount, source);
        for (int i = 0; i < Params.Length; i++)
            if (state.ContainsKey($"{i}.0")) _started.Add(Params[i]);
    }
}
