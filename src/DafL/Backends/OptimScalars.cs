namespace DafL.Backends;

/// <summary>
/// The scalars of one torch.optim.SGD update, as the kernel uses them: PyTorch computes them from Python floats
/// (doubles) and hands them to its kernels rounded to float32, and so does <see cref="Optim.Sgd"/>.
/// </summary>
/// <param name="NegLr">−lr.</param>
/// <param name="Momentum">μ; 0 means no momentum buffer.</param>
/// <param name="DampeningComplement">1 − dampening.</param>
/// <param name="WeightDecay">λ of the L2 term added to the gradient; 0 skips it.</param>
/// <param name="Nesterov">Nesterov momentum.</param>
public readonly record struct SgdScalars(float NegLr, float Momentum, float DampeningComplement, float WeightDecay, bool Nesterov);

/// <summary>
/// The scalars of one torch.optim.Adam update at step t, as the kernel uses them (computed in double by
/// <see cref="Optim.Adam"/> as PyTorch does, rounded to float32).
/// </summary>
/// <param name="Beta1">β1.</param>
/// <param name="OneMinusBeta1">1 − β1.</param>
/// <param name="Beta2">β2.</param>
/// <param name="OneMinusBeta2">1 − β2.</param>
/// <param name="WeightDecay">λ of the L2 term added to the gradient; 0 skips it.</param>
/// <param name="NegStepSize">−lr / (1 − β1ᵗ).</param>
/// <param name="BiasCorrection2Sqrt">√(1 − β2ᵗ).</param>
/// <param name="Eps">ε, added after the bias correction.</param>
public readonly record struct AdamScalars(float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2, float WeightDecay,
    float NegStepSize, float BiasCorrection2Sqrt, float Eps);
