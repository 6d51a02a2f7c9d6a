namespace DafL.Optim;

/// <summary>torch.optim.Adam (L2 weight decay, no amsgrad), with PyTorch's bias correction.</summary>
public sealed class Adam : Optimizer
{
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Eps { get; }
    public float WeightDecay { get; }

    public Adam(IEnumerable<Tensor> parameters, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f) : base(parameters, lr)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
    }

    public override void Step()
    {
        StepCount++;
        foreach (var p in Params)
        {
            if (p.Grad == null) continue;
            var s = State(p, 2);
            p.Backend.AdamStep(p, p.Grad, s[0], s[1], LearningRate, Beta1, Beta2, Eps, WeightDecay, StepCount);
        }
    }

    public override void LoadState(IReadOnlyDictionary<string, Tensor> state, int stepCount, string source) =>
        LoadStateTensors(state, 2, stepCount, source);
}
