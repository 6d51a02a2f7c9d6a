using DafL.Optim;
using DafL.Tests.Support;

namespace DafL.Tests.Golden;

/// <summary>
/// Three steps of <see cref="Sgd"/> and <see cref="Adam"/> against torch.optim on a Linear(5, 3) (Fixtures/optim.bin).
/// Each step is fed PyTorch's own gradient for that step, so only the update rule is compared.
/// </summary>
public class OptimGoldenTests() : GoldenTest("optim")
{
    static readonly string[] Parameters = ["weight", "bias"];

    [TestCase("sgd_momentum")]
    [TestCase("sgd_nesterov")]
    [TestCase("sgd_plain")]
    public void SgdMatchesPyTorch(string c) => RunSteps(c, ps => new Sgd(ps, Fx.Scalar($"{c}/cfg.lr"), momentum: Fx.Scalar($"{c}/cfg.momentum"),
            weightDecay: Fx.Scalar($"{c}/cfg.weight_decay"), nesterov: Fx.Int($"{c}/cfg.nesterov") == 1),
        new(1e-7, 1e-6, "p − lr·(momentum buffer): a few float32 roundings, fused differently"));

    [TestCase("adam_lr1e-3")]
    [TestCase("adam_lr0.2")]
    [TestCase("adam_wd")]
    public void AdamMatchesPyTorch(string c) => RunSteps(c, ps => new Adam(ps, Fx.Scalar($"{c}/cfg.lr"), Fx.Scalar($"{c}/cfg.beta1"),
            Fx.Scalar($"{c}/cfg.beta2"), Fx.Scalar($"{c}/cfg.eps"), Fx.Scalar($"{c}/cfg.weight_decay")),
        new(1e-6, 1e-6, "bias corrections, the square root and the division are rounded in a different order; each step moves p by up to lr"));

    void RunSteps(string c, Func<Tensor[], Optimizer> make, Tolerance tol)
    {
        using var scope = TensorScope.Begin();
        var ps = Parameters.Select(name => Fx.Leaf($"model/{name}")).ToArray();
        using var optimizer = make(ps);
        for (int step = 1; step <= 3; step++)
        {
            for (int i = 0; i < ps.Length; i++)
            {
                ps[i].ZeroGrad();
                ps[i].Grad = TensorScope.Detach(Fx.ToTensor($"{c}/grad{step}.{Parameters[i]}")); // owned by the parameter
            }
            optimizer.Step();
            for (int i = 0; i < ps.Length; i++)
                GoldenAssert.Close(Fx, $"{c}/step{step}.{Parameters[i]}", ps[i], tol);
        }
    }
}
