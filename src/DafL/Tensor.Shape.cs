using System.Text;

namespace DafL;

/// <summary>Shapes and strides: element counts, row-major strides, the text of a shape, and the checks of shapes and devices every op makes.</summary>
public sealed partial class Tensor
{
    public static long NumelOf(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    public static int[] ContiguousStrides(int[] shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= Math.Max(shape[d], 1);
        }
        return strides;
    }

    public static string ShapeString(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }

    static void CheckShape(int[] shape)
    {
        foreach (var d in shape)
            if (d < 0) throw new ArgumentException($"Shape {ShapeString(shape)} has a negative dimension.");
    }

    static int[] ResolveShape(int[] shape, long numel, string op, int[] from)
    {
        var result = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < result.Length; i++)
        {
            if (result[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{op}: more than one -1 in {ShapeString(shape)}.");
                infer = i;
            }
            else known *= result[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || numel % known != 0)
                throw new ArgumentException($"{op}: cannot view {ShapeString(from)} ({numel} elements) as {ShapeString(shape)}.");
            result[infer] = (int)(numel / known);
        }
        if (NumelOf(result) != numel)
            throw new ArgumentException($"{op}: cannot view {ShapeString(from)} ({numel} elements) as {ShapeString(shape)}.");
        return result;
    }

    /// <summary>Both tensors on one device, or an error naming the op.</summary>
    internal static void CheckSameDevice(string op, Tensor a, Tensor b)
    {
        if (a.Device != b.Device)
            throw new ArgumentException($"{op}: tensors on {a.Device} and {b.Device}; move them to one device.");
    }
}
