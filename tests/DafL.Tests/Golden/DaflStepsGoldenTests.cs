using DafL.Models;
using DafL.Random;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Golden;

/// <summary>
/// Three whole DAFL iterations against the official loop in PyTorch (Fixtures/dafl_steps.bin): from the same
/// weights and the same z, every loss term of every step and every weight and BN buffer after the third step.
/// </summary>
public class DaflStepsGoldenTests() : GoldenTest("dafl_steps")
{
    [Test]
    public void ThreeStepsMatchTheOfficialLoop()
    {
        var config = DistillPresets.Get("mnist") with
        {
            BatchSize = Fx.Int("dafl/cfg.batch"), LatentDim = Fx.Int("dafl/cfg.latent"), GeneratorWidth = Fx.Int("dafl/cfg.width"),
            LrG = Fx.Scalar("dafl/cfg.lr_g"), LrS = Fx.Scalar("dafl/cfg.lr_s"),
            Oh = Fx.Scalar("dafl/cfg.oh"), Ie = Fx.Scalar("dafl/cfg.ie"), A = Fx.Scalar("dafl/cfg.a"),
        };
        using var teacher = LeNet5.Full(new Philox(1));
        Load(teacher, "init.teacher.");
        using var distiller = new DaflDistiller(config, teacher);
        Load(distiller.Generator, "init.generator.");
        Load(distiller.Student, "init.student.");

        for (int step = 1; step <= 3; step++)
        {
            using var z = Fx.ToTensor($"step{step}.z");
            var losses = distiller.Step(z);
            var lossTol = new Tolerance(2e-5, 2e-5, "losses of float32 nets summed in a different order; later steps inherit the weights' differences");
            Compare($"step{step}.oh", losses.OneHot, lossTol);
            Compare($"step{step}.ie", losses.InformationEntropy, lossTol);
            Compare($"step{step}.a", losses.Activation, lossTol);
            Compare($"step{step}.kd", losses.Kd, lossTol);
            Compare($"step{step}.total", losses.Total, lossTol);
        }

        var weightTol = new Tolerance(2e-5, 1e-4, "three Adam steps (lr_G 0.2) on gradients that agree to ~1e-6 relative: m/√v amplifies small gradients' differences");
        foreach (var (key, tensor) in distiller.Generator.StateDict())
            if (!GeneratorNoise.Keys.Contains(key)) GoldenAssert.Close(Fx, $"after.generator.{key}", tensor, weightTol);
        foreach (var (key, tensor) in distiller.Student.StateDict())
            GoldenAssert.Close(Fx, $"after.student.{key}", tensor, weightTol);
    }

    void Compare(string name, double actual, Tolerance tol)
    {
        using var t = Tensor.Scalar((float)actual);
        GoldenAssert.Close(Fx, name, t, tol);
    }

    void Load(DafL.NN.Module model, string prefix)
    {
        var state = Fx.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(n => n[prefix.Length..], n => Fx.ToTensor(n));
        try
        {
            model.LoadStateDict(state, strict: true, source: $"{Fx.Path} ({prefix}*)");
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }
}
