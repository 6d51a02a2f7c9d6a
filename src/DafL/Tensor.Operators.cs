using static DafL.Ops.Functional;

namespace DafL;

/// <summary>
/// Arithmetic operators, each one differentiable op of <see cref="Ops.Functional"/> (broadcasting like NumPy). The
/// one place the tensor names the ops built on it, and on purpose: C# declares an operator only on its type, so
/// <c>a + b</c> must be declared here, and like PyTorch's <c>Tensor.__add__</c>, which is <c>torch.add</c>, each is
/// the op itself, not a second implementation. Nothing else in the tensor, the views or the autograd engine calls
/// into the ops (views record their backward through <see cref="Autograd.Graph"/>).
/// </summary>
public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => Add(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Sub(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Mul(a, b);
    public static Tensor operator *(Tensor a, float s) => Scale(a, s);
    public static Tensor operator *(float s, Tensor a) => Scale(a, s);
    public static Tensor operator -(Tensor a) => Neg(a);
}
