using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

/// <summary>
/// Batch norm fused with the activation after it (the generator's BatchNorm2d → LeakyReLU): the batch-norm kernels
/// of CpuBackend.Norm.cs with the activation applied as each normalised value is written, and its gradient applied
/// to gy wherever the backward reads it. Every element takes the unfused ops' roundings in their order, so the fused
/// op equals BatchNormForwardTraining then LeakyRelu (and LeakyReluBackward then BatchNormBackward) bit for bit,
/// with one pass less over the data each way and no intermediate tensor.
/// </summary>
public sealed unsafe partial class CpuBackend
{
    public void BatchNormLeakyReluForwardTraining(Tensor x, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar,
        float momentum, float eps, float slope, Tensor y, Tensor saveMean, Tensor saveVar) =>
        ForwardTraining(x, weight, bias, runningMean, runningVar, momentum, eps, y, saveMean, saveVar, new LeakyActivation(slope));

    public void BatchNormLeakyReluBackward(Tensor x, Tensor y, Tensor gy, Tensor mean, Tensor var, Tensor? weight, float eps, float slope,
        Tensor? gx, Tensor? gWeight, Tensor? gBias) =>
        Backward(x, y, gy, mean, var, weight, eps, training: true, gx, gWeight, gBias, new LeakyGradMask(slope));

    /// <summary>y[i] = activation(fma(x[i], a, b)) over one plane: <see cref="Simd.Affine"/> with the activation applied before the store.</summary>
    static void AffineActivation<TActivation>(float* x, float a, float b, float* y, long n, TActivation activation)
        where TActivation : struct, IPlaneActivation
    {
        long i = 0;
        if (Simd.Has512)
        {
            var va = Vector512.Create(a); var vb = Vector512.Create(b);
            for (; i + 16 <= n; i += 16) Vector512.Store(activation.Apply(Vector512.FusedMultiplyAdd(Vector512.Load(x + i), va, vb)), y + i);
        }
        {
            var va = Vector256.Create(a); var vb = Vector256.Create(b);
            for (; i + 8 <= n; i += 8) Vector256.Store(activation.Apply(Vector256.FusedMultiplyAdd(Vector256.Load(x + i), va, vb)), y + i);
        }
        for (; i < n; i++) y[i] = activation.Apply(MathF.FusedMultiplyAdd(x[i], a, b));
    }

    /// <summary>An activation applied to batch norm's output as it is written (the vector widths Simd.Affine uses, and scalars).</summary>
    interface IPlaneActivation
    {
        Vector512<float> Apply(Vector512<float> z);
        Vector256<float> Apply(Vector256<float> z);
        float Apply(float z);
    }

    /// <summary>Plain batch norm.</summary>
    readonly struct NoActivation : IPlaneActivation
    {
        public Vector512<float> Apply(Vector512<float> z) => z;
        public Vector256<float> Apply(Vector256<float> z) => z;
        public float Apply(float z) => z;
    }

    /// <summary>LeakyReLU as <see cref="LeakyRelu"/> computes it.</summary>
    readonly struct LeakyActivation(float slope) : IPlaneActivation
    {
        public Vector512<float> Apply(Vector512<float> z) =>
            Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<float>.Zero), z, z * Vector512.Create(slope));
        public Vector256<float> Apply(Vector256<float> z) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<float>.Zero), z, z * Vector256.Create(slope));
        public float Apply(float z) => z > 0 ? z : z * slope;
    }

    /// <summary>An activation's gradient applied to gy at one position, read from the fused op's output y there.</summary>
    interface IGradMask
    {
        Vector512<float> Apply(Vector512<float> gy, float* y);
        Vector256<float> Apply(Vector256<float> gy, float* y);
        float Apply(float gy, float* y);
    }

    /// <summary>Plain batch norm: gy as it is (y is not read, and may be null).</summary>
    readonly struct NoGradMask : IGradMask
    {
        public Vector512<float> Apply(Vector512<float> gy, float* y) => gy;
        public Vector256<float> Apply(Vector256<float> gy, float* y) => gy;
        public float Apply(float gy, float* y) => gy;
    }

    /// <summary>
    /// LeakyReLU's gradient as <see cref="LeakyReluBackward"/> computes it, with the mask from y instead of the
    /// activation's input z: for slope ≥ 0, y &gt; 0 exactly where z &gt; 0.
    /// </summary>
    readonly struct LeakyGradMask(float slope) : IGradMask
    {
        public Vector512<float> Apply(Vector512<float> gy, float* y) =>
            Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(y), Vector512<float>.Zero), gy, gy * Vector512.Create(slope));
        public Vector256<float> Apply(Vector256<float> gy, float* y) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(y), Vector256<float>.Zero), gy, gy * Vector256.Create(slope));
        public float Apply(float gy, float* y) => *y > 0 ? gy : gy * slope;
    }
}
