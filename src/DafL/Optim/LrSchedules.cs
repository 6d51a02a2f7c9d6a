namespace DafL.Optim;

/// <summary>Learning rate as a function of the epoch, set on an optimizer at the start of each epoch.</summary>
public abstract class LrSchedule(float baseLr)
{
    public float BaseLr { get; } = baseLr;
    public abstract float At(int epoch);
    public void Apply(Optimizer optimizer, int epoch) => optimizer.LearningRate = At(epoch);
}

/// <summary>torch.optim.lr_scheduler.MultiStepLR: lr · gamma^(number of milestones ≤ epoch).</summary>
public sealed class MultiStepLr(float baseLr, int[] milestones, float gamma = 0.1f) : LrSchedule(baseLr)
{
    public override float At(int epoch) => BaseLr * MathF.Pow(gamma, milestones.Count(m => m <= epoch));
}

/// <summary>torch.optim.lr_scheduler.CosineAnnealingLR (closed form): η_min + (lr − η_min)(1 + cos(π·epoch/T_max))/2.</summary>
public sealed class CosineAnnealingLr(float baseLr, int tMax, float etaMin = 0f) : LrSchedule(baseLr)
{
    public override float At(int epoch) => etaMin + (BaseLr - etaMin) * (1 + MathF.Cos(MathF.PI * epoch / tMax)) / 2;
}

/// <summary>No schedule: the base lr at every epoch.</summary>
public sealed class ConstantLr(float baseLr) : LrSchedule(baseLr)
{
    public override float At(int epoch) => BaseLr;
}
