using DafL.Autograd;
using DafL.Backends;
using DafL.NN;

namespace DafL.Optim;

/// <summary>
/// An exponential moving average of a model's weights (Polyak averaging, as TensorFlow's
/// <c>ExponentialMovingAverage</c> and timm's <c>ModelEmaV2</c> keep it). After update t of the source model:
/// avg ← avg + (1 − d)·(w − avg), with d = min(decay, (1 + t) / (10 + t)), TensorFlow's num_updates rule, so that
/// the first updates are not anchored to the initial weights. Every parameter and BatchNorm running statistic is
/// averaged; <c>num_batches_tracked</c> is a count, not a weight, and is copied.
/// The average lives in its own module of the same architecture, on the source's device (the update is three
/// elementwise kernels per tensor, on any backend); the caller owns both modules.
/// </summary>
public sealed class ModelEma
{
    readonly (Tensor Source, Tensor Average, bool Copy)[] _pairs;

    /// <summary>Decay per update at its plateau, in [0, 1).</summary>
    public float Decay { get; }

    /// <summary>Pairs <paramref name="source"/>'s state with <paramref name="average"/>'s (same keys and shapes) and starts the average at the source's weights.</summary>
    public ModelEma(Module source, Module average, float decay)
    {
        if (!(decay >= 0f && decay < 1f)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "ModelEma: the decay must lie in [0, 1).");
        Decay = decay;
        var averaged = average.StateDict().ToDictionary(e => e.Key, e => e.Tensor);
        _pairs = source.StateDict().Select(e =>
        {
            if (!averaged.TryGetValue(e.Key, out var a) || !a.Shape.AsSpan().SequenceEqual(e.Tensor.Shape))
                throw new ArgumentException($"ModelEma: the average has no tensor '{e.Key}' of shape {Tensor.ShapeString(e.Tensor.Shape)}; it must be the source's architecture.");
            return (e.Tensor, a, e.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        }).ToArray();
        using var _ = GradMode.NoGrad();
        foreach (var (s, a, _) in _pairs) a.CopyFrom(s);
    }

    /// <summary>The decay applied at update <paramref name="t"/> (1 for the first update after construction).</summary>
    public float DecayAt(int t) => MathF.Min(Decay, (1f + t) / (10f + t));

    /// <summary>Folds the source's current weights into the average; <paramref name="t"/> counts the source's updates so far.</summary>
    public void Update(int t)
    {
        float keep = 1f - DecayAt(t);
        using var _ = GradMode.NoGrad();
        foreach (var (s, a, copy) in _pairs)
        {
            if (copy) { a.CopyFrom(s); continue; }
            using var step = Tensor.Empty(a.Shape, a.Device);
            a.Backend.Binary(BinaryOp.Sub, s, a, step);   // w − avg
            a.Backend.Affine(step, step, keep, 0f);       // (1 − d)(w − avg)
            a.Backend.Binary(BinaryOp.Add, a, step, a);   // elementwise, so writing over an input is safe
        }
    }
}
