namespace DafL.Tests.Support;

/// <summary>
/// Comparisons of our tensors with PyTorch's stored ones (<see cref="Fixture"/>). Each takes the tolerance and the
/// reason for it, which a failure prints along with the file, the tensor's name, both shapes or the worst element.
/// </summary>
public static class GoldenAssert
{
    /// <summary>Smallest reference magnitude that <see cref="RelativeMax"/> divides by (an all-zero reference).</summary>
    const double Tiny = 1e-30;

    /// <summary>Every element: |actual − expected| ≤ atol + rtol·|expected|; NaN only where PyTorch has NaN.</summary>
    public static void Close(Fixture fx, string name, Tensor? actual, Tolerance tol)
    {
        var (atol, rtol) = (tol.Atol, tol.Rtol);
        var (a, b) = Values(fx, name, actual);
        int worst = -1;
        double worstExcess = 0, maxDiff = 0;
        for (int i = 0; i < b.Length; i++)
        {
            if (float.IsNaN(a[i]) || float.IsNaN(b[i]))
            {
                if (float.IsNaN(a[i]) && float.IsNaN(b[i])) continue;
                worst = i;
                break;
            }
            double diff = Math.Abs((double)a[i] - b[i]);
            maxDiff = Math.Max(maxDiff, diff);
            double excess = diff - (atol + rtol * Math.Abs((double)b[i]));
            if (excess > worstExcess)
            {
                worstExcess = excess;
                worst = i;
            }
        }
        if (worst >= 0)
            throw new AssertionException(
                $"Fixture {fx.Path}: \"{name}\" {Tensor.ShapeString(fx.Shape(name))}: element {worst} {Index(fx.Shape(name), worst)} " +
                $"is {a[worst]:G9}, PyTorch {b[worst]:G9} (|diff| {Math.Abs((double)a[worst] - b[worst]):G3}, max |diff| {maxDiff:G3}); " +
                $"allowed atol {atol:G3} + rtol {rtol:G3}·|expected| because {tol.Why}.");
    }

    /// <summary>The whole tensor: max |actual − expected| / (max |expected| + tiny) ≤ tol.</summary>
    public static void RelativeMax(Fixture fx, string name, Tensor? actual, double tol, string why)
    {
        var (a, b) = Values(fx, name, actual);
        double maxDiff = 0, maxRef = 0;
        int worst = 0;
        for (int i = 0; i < b.Length; i++)
        {
            double diff = Math.Abs((double)a[i] - b[i]);
            if (double.IsNaN(diff)) diff = double.PositiveInfinity;
            if (diff > maxDiff)
            {
                maxDiff = diff;
                worst = i;
            }
            maxRef = Math.Max(maxRef, Math.Abs((double)b[i]));
        }
        double rel = maxDiff / (maxRef + Tiny);
        if (!(rel <= tol))
            throw new AssertionException(
                $"Fixture {fx.Path}: \"{name}\" {Tensor.ShapeString(fx.Shape(name))}: max |diff| / max |expected| = {rel:G3} > {tol:G3} " +
                $"(worst element {worst} {Index(fx.Shape(name), worst)}: {a[worst]:G9} vs PyTorch {b[worst]:G9}; max |expected| {maxRef:G3}), " +
                $"allowed because {why}.");
    }

    /// <summary>Our values and PyTorch's, after checking that the tensor exists and has the stored shape.</summary>
    static (float[] Actual, float[] Expected) Values(Fixture fx, string name, Tensor? actual)
    {
        var expectedShape = fx.Shape(name);
        if (actual == null)
            throw new AssertionException($"Fixture {fx.Path}: \"{name}\" {Tensor.ShapeString(expectedShape)}: our tensor is null (no gradient reached it).");
        if (!actual.Shape.AsSpan().SequenceEqual(expectedShape))
            throw new AssertionException($"Fixture {fx.Path}: \"{name}\": our shape {Tensor.ShapeString(actual.Shape)}, PyTorch's {Tensor.ShapeString(expectedShape)}.");
        return (actual.ToArray(), fx.Data(name));
    }

    /// <summary>The multi-index of flat element <paramref name="flat"/> in a row-major tensor, as "[i, j, ...]".</summary>
    static string Index(int[] shape, int flat)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return Tensor.ShapeString(index);
    }
}
