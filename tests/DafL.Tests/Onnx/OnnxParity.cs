using DafL.Autograd;
using DafL.Models;
using DafL.NN;
using DafL.Onnx;
using DafL.Onnx.Runtime;
using DafL.Random;
using DafL.Training;

namespace DafL.Tests.Onnx;

/// <summary>
/// What the ONNX tests compare: our eval-mode forward against onnxruntime's run of the export, on the same inputs,
/// by the relative error max|y_onnx − y_ours| / max|y_ours| over every output value, which must be at most
/// <see cref="MostRelativeError"/>.
/// </summary>
public static class OnnxParity
{
    public const double MostRelativeError = 1e-5;

    /// <summary>
    /// A classifier with seeded random weights and, in every batch norm, random running statistics and affine
    /// parameters (mean and β in ±0.5, variance and γ in [0.5, 2)): with the defaults (0, 1, 1, 0) a fold that
    /// ignored any of them would still pass.
    /// </summary>
    public static Classifier Classifier(string arch, int channels, int classes, ulong seed)
    {
        var model = ModelCatalog.Create(arch, classes, channels, new Philox(seed));
        RandomiseBatchNorms(model, new Philox(seed + 1));
        model.Eval();
        return model;
    }

    public static void RandomiseBatchNorms(Module root, Philox gen)
    {
        foreach (var bn in Descendants(root).OfType<BatchNorm2d>())
        {
            Fill(bn.RunningMean, gen, -0.5f, 0.5f);
            Fill(bn.RunningVar, gen, 0.5f, 2f);
            if (bn.Weight != null) Fill(bn.Weight, gen, 0.5f, 2f);
            if (bn.Bias != null) Fill(bn.Bias, gen, -0.5f, 0.5f);
        }
    }

    /// <summary>The export of <paramref name="model"/> written to <paramref name="path"/>, read back and started in onnxruntime.</summary>
    public static OnnxClassifier ExportAndLoad(Classifier model, string arch, int? batch, string path)
    {
        OnnxExporter.Save(OnnxExporter.Classifier(model, arch, batch), path);
        var file = OnnxModelFile.TryRead(path) ?? throw new AssertionException($"{path} was not recognised as an ONNX model");
        return OnnxClassifier.Load(file, path);
    }

    public static float[] Ours(Func<Tensor, Tensor> forward, Tensor x)
    {
        using var scope = TensorScope.Begin();
        using var _ = GradMode.NoGrad();
        return forward(x).ToArray();
    }

    public static double RelativeError(float[] ours, float[] theirs)
    {
        Assert.That(theirs, Has.Length.EqualTo(ours.Length), "output size");
        double most = ours.Max(v => Math.Abs((double)v)), delta = ours.Zip(theirs, (a, b) => Math.Abs((double)a - b)).Max();
        Assert.That(most, Is.GreaterThan(0), "an all-zero output would compare nothing");
        return delta / most;
    }

    static IEnumerable<Module> Descendants(Module m) => m.NamedChildren().SelectMany(c => Descendants(c.Module).Prepend(c.Module));

    static void Fill(Tensor target, Philox gen, float lo, float hi)
    {
        using var scope = TensorScope.Begin();
        using var _ = GradMode.NoGrad();
        var values = Tensor.Rand(target.Shape, gen).ToArray().Select(u => lo + (hi - lo) * u).ToArray();
        target.CopyFrom(Tensor.FromArray(values, target.Shape));
    }
}
