using static DafL.Ops.Functional;

namespace DafL;

/// <summary>Arithmetic operators, each one differentiable op of <see cref="Ops.Functional"/> (broadcasting like NumPy).</summary>
public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => Add(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Sub(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Mul(a, b);
    public static Tensor operator *(Tensor a, float s) => Scale(a, s);
    public static Tensor operator *(float s, Tensor a) => Scale(a, s);
    public static Tensor operator -(Tensor a) => Neg(a);
}
