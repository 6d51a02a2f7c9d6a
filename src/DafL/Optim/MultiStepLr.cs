namespace DafL.Optim;

/// <summary>
/// <c>torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, gamma)</c> in closed form:
/// lr = base · γ^(number of milestones ≤ epoch), a milestone listed twice counting twice, as in PyTorch.
/// </summary>
public sealed class MultiStepLr : LrScheduler
{
    readonly int[] _milestones;

    public MultiStepLr(Optimizer optimizer, IEnumerable<int> milestones, float gamma = 0.1f) : base(optimizer)
    {
        _milestones = milestones.Order().ToArray();
        if (_milestones.Length > 0 && _milestones[0] < 0)
            throw new ArgumentException($"MultiStepLr: milestone {_milestones[0]} is negative.");
        Gamma = Hyperparameter.AsWritten(gamma);
        SetEpoch(0);
    }

    public IReadOnlyList<int> Milestones => _milestones;
    public double Gamma { get; }

    public override double LrAt(double baseLr, int epoch) => baseLr * Math.Pow(Gamma, _milestones.Count(m => m <= epoch));
}
