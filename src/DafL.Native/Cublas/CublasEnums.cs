namespace DafL.Native;

/// <summary>cublasOperation_t.</summary>
public enum CublasOperation
{
    None = 0,
    Transpose = 1,
    ConjugateTranspose = 2,
}

/// <summary>cublasMath_t (CUDA 11.8 <c>cublas_api.h</c>; 12.9 and 13.0 add emulation modes not used here).</summary>
public enum CublasMathMode
{
    /// <summary>CUBLAS_DEFAULT_MATH: full FP32 for Sgemm.</summary>
    Default = 0,
    /// <summary>CUBLAS_PEDANTIC_MATH: no reduced-precision shortcuts anywhere.</summary>
    Pedantic = 2,
    /// <summary>CUBLAS_TF32_TENSOR_OP_MATH: FP32 GEMMs may round inputs to TF32 (10-bit mantissa) on tensor cores.</summary>
    Tf32TensorOp = 3,
}
