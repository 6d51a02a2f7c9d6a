namespace DafL.Backends.Cpu;

/// <summary>
/// Single-precision matrix product on the CPU, row-major:
/// C[M×N] = alpha · op(A)[M×K] · op(B)[K×N] + beta · C, where op(X) is X or Xᵀ.
/// lda/ldb/ldc are the row strides of A, B and C as stored (before the transpose).
/// When beta is 0, C is not read (it may hold garbage or NaN).
/// </summary>
internal static unsafe class Gemm
{
    public static void Sgemm(bool transA, bool transB, int M, int N, int K, float alpha,
        float* A, int lda, float* B, int ldb, float beta, float* C, int ldc, bool parallel = true)
    {
        // Reference version: one row of C at a time, accumulating in float32 in k order.
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < N; j++)
            {
                float acc = 0;
                for (int k = 0; k < K; k++)
                {
                    float a = transA ? A[(long)k * lda + i] : A[(long)i * lda + k];
                    float b = transB ? B[(long)j * ldb + k] : B[(long)k * ldb + j];
                    acc += a * b;
                }
                float* c = C + (long)i * ldc + j;
                *c = beta == 0 ? alpha * acc : alpha * acc + beta * *c;
            }
        }
    }
}
