using System.Buffers.Binary;
using DafL.Errors;

namespace DafL.PyTorch;

/// <summary>
/// A storage's bytes as float32 values, and tensors gathered from them by offset and strides (views, transposes and
/// tensors sharing one storage read what PyTorch reads). float16 and bfloat16 widen exactly, float64 rounds to the
/// nearest float32; int64 (a BatchNorm's <c>num_batches_tracked</c>) must be a whole number float32 holds exactly,
/// as a safetensors I64 must.
/// </summary>
sealed class DecodedStorage
{
    readonly float[] _values;
    readonly long[]? _exact; // int64 storages: the values, to check each gathered one survived float32

    DecodedStorage(float[] values, long[]? exact)
    {
        _values = values;
        _exact = exact;
    }

    public static DecodedStorage Decode(ReadOnlySpan<byte> bytes, StorageType type, bool bigEndian)
    {
        int n = bytes.Length / type.ElementSize;
        var values = new float[n];
        long[]? exact = null;
        switch (type.Dtype)
        {
            case StorageType.Float32:
                for (int i = 0; i < n; i++)
                {
                    var b = bytes.Slice(i * 4, 4);
                    values[i] = bigEndian ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b);
                }
                break;
            case StorageType.Float16:
                for (int i = 0; i < n; i++)
                {
                    var b = bytes.Slice(i * 2, 2);
                    values[i] = (float)(bigEndian ? BinaryPrimitives.ReadHalfBigEndian(b) : BinaryPrimitives.ReadHalfLittleEndian(b));
                }
                break;
            case StorageType.BFloat16: // the upper half of a float32
                for (int i = 0; i < n; i++)
                {
                    var b = bytes.Slice(i * 2, 2);
                    uint bits = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);
                    values[i] = BitConverter.UInt32BitsToSingle(bits << 16);
                }
                break;
            case StorageType.Float64:
                for (int i = 0; i < n; i++)
                {
                    var b = bytes.Slice(i * 8, 8);
                    values[i] = (float)(bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b));
                }
                break;
            case StorageType.Int64:
                exact = new long[n];
                for (int i = 0; i < n; i++)
                {
                    var b = bytes.Slice(i * 8, 8);
                    exact[i] = bigEndian ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b);
                    values[i] = exact[i];
                }
                break;
            default:
                throw new ArgumentException($"{type.ClassName} ({type.Dtype}) is not a storage read as float32.", nameof(type));
        }
        return new DecodedStorage(values, exact);
    }

    /// <summary>
    /// The tensor <paramref name="key"/> of <paramref name="source"/>, gathered from this storage: its layout must lie
    /// inside the storage, and its values must be finite (an int64 one exact in float32).
    /// </summary>
    public Tensor Gather(PickledTensor t, string source, string key)
    {
        var shape = Shape(t, source, key);
        long numel = Tensor.NumelOf(shape);
        long start = t.Storage.ViewOffset + t.Offset, last = start;
        for (int d = 0; d < shape.Length; d++)
            if (shape[d] > 0) last += (shape[d] - 1) * t.Stride[d];
        bool inside = t.Offset >= 0 && t.Stride.All(s => s >= 0) && (numel == 0 || last < t.Storage.ViewOffset + t.Storage.Numel);
        if (!inside || numel > Math.Max(t.Storage.Numel, 1))
            throw new InputException(source, $"tensor '{InputText.Show(key)}' layout", $"a view inside its storage of {t.Storage.Numel} elements, no larger than it",
                $"offset {t.Offset}, size {Tensor.ShapeString(shape)}, stride ({string.Join(", ", t.Stride)})");
        using var _ = TensorScope.Untracked();
        var result = Tensor.Empty(shape);
        try
        {
            var into = result.Span;
            var index = new int[shape.Length];
            long at = start;
            for (long i = 0; i < numel; i++)
            {
                float v = _values[at];
                if (!float.IsFinite(v) || (_exact is not null && (long)v != _exact[at]) || _exact?[at] == long.MaxValue)
                    throw new InputException(source, $"tensor '{InputText.Show(key)}'", _exact is null ? "finite values" : "int64 values that float32 holds exactly",
                        $"{(_exact is null ? v : _exact[at])} at element {i}");
                into[(int)i] = v;
                for (int d = shape.Length - 1; d >= 0; d--) // the next index, last dimension fastest
                {
                    at += t.Stride[d];
                    if (++index[d] < shape[d]) break;
                    at -= t.Stride[d] * shape[d];
                    index[d] = 0;
                }
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    static int[] Shape(PickledTensor t, string source, string key)
    {
        if (t.Size.Any(s => s < 0 || s > int.MaxValue))
            throw new InputException(source, $"tensor '{InputText.Show(key)}' size", "dimensions from 0 to 2³¹−1", $"({string.Join(", ", t.Size)})");
        return t.Size.Select(s => (int)s).ToArray();
    }
}
