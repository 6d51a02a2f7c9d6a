using DafL.Optim;

namespace DafL.Training;

/// <summary>Builds the optimizers the recipes name.</summary>
public static class OptimizerFactory
{
    public static Optimizer Create(string kind, IEnumerable<Tensor> parameters, float lr, float momentum, float weightDecay) => kind switch
    {
        "adam" => new Adam(parameters, lr, weightDecay: weightDecay),
        "sgd" => new Sgd(parameters, lr, momentum, weightDecay),
        _ => throw new ArgumentException($"Unknown optimizer '{kind}'; expected adam or sgd."),
    };

    /// <summary>The recipes' schedule: ×0.1 at each milestone (none: a constant rate).</summary>
    public static LrScheduler Schedule(Optimizer optimizer, int[] milestones) => new MultiStepLr(optimizer, milestones, 0.1f);
}
