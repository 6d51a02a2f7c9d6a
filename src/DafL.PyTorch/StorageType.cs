namespace DafL.PyTorch;

/// <summary>
/// A PyTorch storage class (<c>torch.FloatStorage</c> …) as a persistent id names it: the element type it holds.
/// Every class PyTorch writes is known, so that a checkpoint of a type this reader cannot use is told apart by its
/// dtype rather than refused as an unknown global.
/// </summary>
sealed record StorageType(string ClassName, string Dtype, int ElementSize)
{
    /// <summary>The dtypes read as float32 (float32 as is, the others converted) and the integer one counts use.</summary>
    public const string Float32 = "float32", Float16 = "float16", BFloat16 = "bfloat16", Float64 = "float64", Int64 = "int64";

    public bool IsFloat => Dtype is Float32 or Float16 or BFloat16 or Float64;

    /// <summary>PyTorch's storage classes, by the name a pickle gives them (module <c>torch</c>).</summary>
    public static readonly IReadOnlyList<StorageType> All =
    [
        new("FloatStorage", Float32, 4), new("HalfStorage", Float16, 2), new("BFloat16Storage", BFloat16, 2),
        new("DoubleStorage", Float64, 8), new("LongStorage", Int64, 8), new("IntStorage", "int32", 4),
        new("ShortStorage", "int16", 2), new("CharStorage", "int8", 1), new("ByteStorage", "uint8", 1),
        new("BoolStorage", "bool", 1), new("ComplexFloatStorage", "complex64", 8), new("ComplexDoubleStorage", "complex128", 16),
        new("QInt8Storage", "qint8", 1), new("QUInt8Storage", "quint8", 1), new("QInt32Storage", "qint32", 4),
        new("QUInt4x2Storage", "quint4x2", 1), new("QUInt2x4Storage", "quint2x4", 1),
    ];
}
