namespace DafL.Optim;

/// <summary>
/// Base of the learning-rate schedules, shaped like <c>torch.optim.lr_scheduler</c>: made on an optimizer, it takes
/// each group's current learning rate as that group's base (PyTorch's <c>initial_lr</c>) and sets the rate for
/// epoch 0; call <see cref="Step"/> once at the end of every epoch. The rate is a closed-form function of the epoch,
/// so <see cref="SetEpoch"/> resumes a run at any epoch.
/// </summary>
public abstract class LrScheduler
{
    readonly double[] _baseLrs;

    protected LrScheduler(Optimizer optimizer)
    {
        Optimizer = optimizer;
        _baseLrs = optimizer.ParamGroups.Select(g => g.Lr).ToArray();
    }

    public Optimizer Optimizer { get; }

    /// <summary>Each group's learning rate when this scheduler was made.</summary>
    public IReadOnlyList<double> BaseLrs => _baseLrs;

    /// <summary>The epoch whose learning rates are set (PyTorch's <c>last_epoch</c>).</summary>
    public int Epoch { get; private set; }

    /// <summary>Moves to the next epoch (PyTorch's <c>scheduler.step()</c>).</summary>
    public void Step() => SetEpoch(Epoch + 1);

    /// <summary>Sets every group's learning rate for <paramref name="epoch"/> (0 is the first epoch).</summary>
    public void SetEpoch(int epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), $"{GetType().Name}: epoch {epoch} is negative.");
        Epoch = epoch;
        for (int i = 0; i < _baseLrs.Length; i++) Optimizer.ParamGroups[i].Lr = LrAt(_baseLrs[i], epoch);
    }

    /// <summary>The learning rate at <paramref name="epoch"/> of a group whose base rate is <paramref name="baseLr"/>.</summary>
    public abstract double LrAt(double baseLr, int epoch);
}
