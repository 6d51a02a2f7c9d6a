namespace DafL.Optim;

/// <summary>
/// <c>torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max, eta_min)</c> in closed form:
/// lr = η_min + (base − η_min)·(1 + cos(π·epoch / T_max)) / 2, which keeps following the cosine after T_max
/// as PyTorch's recursive form does.
/// </summary>
public sealed class CosineAnnealingLr : LrScheduler
{
    public CosineAnnealingLr(Optimizer optimizer, int tMax, float etaMin = 0f) : base(optimizer)
    {
        if (tMax < 1) throw new ArgumentException($"CosineAnnealingLr: T_max {tMax} must be at least 1.");
        TMax = tMax;
        EtaMin = Hyperparameter.AsWritten(etaMin);
        SetEpoch(0);
    }

    public int TMax { get; }
    public double EtaMin { get; }

    public override double LrAt(double baseLr, int epoch) => EtaMin + (baseLr - EtaMin) * (1 + Math.Cos(Math.PI * epoch / TMax)) / 2;
}
