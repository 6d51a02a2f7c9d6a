namespace DafL.Tests.Support;

/// <summary>Comparisons of named tensors (state dicts, checkpoints, gradients) that two backends computed.</summary>
public static class StateAssert
{
    /// <summary>
    /// The same names in the same order, and each tensor within <paramref name="relative"/> of its expected largest
    /// magnitude: max |actual − expected| ≤ relative · max |expected|. A failure names <paramref name="what"/>, the
    /// tensor, its worst element and <paramref name="why"/>.
    /// </summary>
    public static void Close(string what, IEnumerable<(string Name, float[] Values)> expected, IEnumerable<(string Name, float[] Values)> actual,
        double relative, string why)
    {
        var e = expected.ToList();
        var a = actual.ToList();
        Assert.That(a.Select(t => t.Name), Is.EqualTo(e.Select(t => t.Name)), $"{what}: tensor names");
        for (int t = 0; t < e.Count; t++)
        {
            var (name, want) = e[t];
            var got = a[t].Values;
            Assert.That(got, Has.Length.EqualTo(want.Length), $"{what}: {name}: element count");
            double scale = want.Length == 0 ? 0 : want.Max(v => Math.Abs((double)v));
            int worst = 0;
            double worstDiff = 0;
            for (int i = 0; i < want.Length; i++)
            {
                double diff = Math.Abs((double)got[i] - want[i]);
                if (double.IsNaN(diff)) diff = double.PositiveInfinity;
                if (diff > worstDiff) (worstDiff, worst) = (diff, i);
            }
            if (worstDiff > relative * scale)
                Assert.Fail($"{what}: {name}: element {worst} is {got[worst]:G9}, expected {want[worst]:G9} (|diff| {worstDiff:G3}, " +
                    $"{worstDiff / scale:G3} of the largest magnitude {scale:G3}); allowed {relative:G3} of it because {why}.");
        }
    }

    /// <summary>A module's state dict as named host arrays.</summary>
    public static IEnumerable<(string Name, float[] Values)> Values(NN.Module module) =>
        module.StateDict().Select(e => (e.Key, e.Tensor.ToArray()));

    /// <summary>The gradients of a module's parameters, named by their state-dict keys.</summary>
    public static IEnumerable<(string Name, float[] Values)> Gradients(NN.Module module) =>
        module.StateDict().Where(e => e.Tensor.Grad != null).Select(e => (e.Key + ".grad", e.Tensor.Grad!.ToArray()));
}
