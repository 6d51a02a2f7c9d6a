using DafL.Tests.Support;

namespace DafL.Tests.Golden;

/// <summary>
/// Base of the PyTorch golden-value tests: the family's fixture file (read once per test class), a check that every
/// test disposes what it made, and the common shape of an op case (leaves, forward, backward with the stored gout).
/// </summary>
public abstract class GoldenTest(string family) : LeakCheckedTest
{
    Fixture? _fixture;

    /// <summary>The fixture file <c>Fixtures/&lt;family&gt;.bin</c>.</summary>
    protected Fixture Fx => _fixture ??= Fixture.Load(family);

    /// <summary>
    /// Runs <paramref name="op"/> on the case's stored inputs (leaves that require grad), compares the output with
    /// <c>&lt;case&gt;/out</c>, backpropagates <c>&lt;case&gt;/gout</c> and compares each input's gradient with
    /// <c>&lt;case&gt;/grad.&lt;input&gt;</c>. Inputs listed in <paramref name="constants"/> get no gradient.
    /// </summary>
    protected void CheckOp(string c, string[] inputs, Func<Tensor[], Tensor> op, Tolerance forward, Tolerance backward, params string[] constants)
    {
        using var scope = TensorScope.Begin();
        var leaves = inputs.Select(name => Fx.ToTensor($"{c}/{name}", requiresGrad: !constants.Contains(name))).ToArray();
        var y = op(leaves);
        GoldenAssert.Close(Fx, $"{c}/out", y, forward);
        y.Backward(Fx.ToTensor($"{c}/gout"));
        for (int i = 0; i < inputs.Length; i++)
            if (!constants.Contains(inputs[i]))
                GoldenAssert.Close(Fx, $"{c}/grad.{inputs[i]}", leaves[i].Grad, backward);
    }
}
