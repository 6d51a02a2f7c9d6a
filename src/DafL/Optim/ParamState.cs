namespace DafL.Optim;

/// <summary>
/// An optimizer's state for one parameter: how many updates it has had (Adam's bias correction counts them per
/// parameter, as PyTorch does) and its state tensors (momentum buffer; first and second moments), all untracked and
/// owned by the optimizer.
/// </summary>
internal sealed class ParamState : IDisposable
{
    /// <summary>Updates applied to this parameter, including the one in progress.</summary>
    public int Step;
    /// <summary>One tensor per name in the optimizer's state names, shaped like the parameter.</summary>
    public Tensor[] Slots { get; }
    /// <summary>
    /// <see cref="Step"/> as a one-element float tensor (PyTorch's <c>state['step']</c> is one too), refreshed when
    /// the state is exported, so that a checkpoint can hold it next to the slots.
    /// </summary>
    public Tensor StepTensor { get; }

    public ParamState(Tensor param, int slots)
    {
        using var _ = TensorScope.Untracked();
        Slots = new Tensor[slots];
        for (int i = 0; i < slots; i++) Slots[i] = Tensor.Zeros(param.Shape, param.Device);
        StepTensor = Tensor.Zeros([], param.Device);
    }

    public void Dispose()
    {
        foreach (var t in Slots) t.Dispose();
        StepTensor.Dispose();
    }
}

/// <summary>One parameter's update in a step: the parameter, its gradient (contiguous, freed after the step) and its state.</summary>
internal readonly record struct ParamUpdate(Tensor Param, Tensor Grad, ParamState State);
