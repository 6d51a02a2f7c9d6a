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

    public static LrSchedule Schedule(float lr, int[] milestones) =>
        milestones.Length == 0 ? new ConstantLr(lr) : new MultiStepLr(lr, milestones, 0.1f);
}
