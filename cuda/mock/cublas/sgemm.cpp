// sgemm.cpp: the arithmetic of one column-major SGEMM (cublas_mock.h, mockblas::sgemm).
//
// Summing in double in order of k makes the result close to the CPU backend's, and the same for any blocking.
// For speed at the sizes CI multiplies (512×1024×1024, many times), op(A) and op(B) are first copied, rounded as
// the math mode asks, into layouts the inner loop reads in order: op(A) in panels of 64 rows, each panel k rows
// of 64 consecutive floats; op(B) column after column. Each panel then meets four columns of op(B) at a time, its
// 4 × 64 double accumulators staying in L1 and each op(A) element being loaded once for all four.
#include "cublas_mock.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace mockblas
{
namespace
{
constexpr int PANEL_ROWS = 64;
constexpr int BLOCK_COLUMNS = 4;

// TF32 keeps FP32's sign and exponent and the top 10 of its 23 mantissa bits. Round to nearest, ties to even, as
// CUTLASS's NumericConverter<tfloat32_t, float, round_to_nearest> (cvt.rn.tf32.f32 on sm_90) converts; the
// dropped bits are cleared. Infinities and NaNs pass unchanged.
float round_tf32(float x)
{
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    if ((bits & 0x7f800000u) == 0x7f800000u) return x;
    bits += 0x0fffu + ((bits >> 13) & 1u);
    bits &= 0xffffe000u;
    std::memcpy(&x, &bits, sizeof x);
    return x;
}

// IEEE half precision, round to nearest even: a normal half keeps the same 10 mantissa bits as TF32, but only
// exponents down to 2^-14 (below, subnormal halves are multiples of 2^-24) and magnitudes up to 65504 (above,
// infinity).
float round_fp16(float x)
{
    if (std::fabs(x) < 0x1p-14f) return std::nearbyint(x * 0x1p24f) * 0x1p-24f; // exact scalings by powers of 2
    float r = round_tf32(x);
    return std::fabs(r) > 65504.0f ? std::copysign(INFINITY, r) : r;
}

float rounded(float x, InputRounding rounding)
{
    switch (rounding)
    {
    case InputRounding::tf32: return round_tf32(x);
    case InputRounding::fp16: return round_fp16(x);
    case InputRounding::none: break;
    }
    return x;
}

float element(const Operand& x, long long row, long long col)
{
    return x.transposed ? x.data[col + row * x.ld] : x.data[row + col * x.ld];
}

// C = beta·C for k = 0 or alpha = 0; beta = 0 writes zeros without reading C.
void scale(int m, int n, float beta, float* c, long long ldc)
{
    if (beta == 1.0f) return;
    for (long long j = 0; j < n; j++)
        for (long long i = 0; i < m; i++)
            c[i + j * ldc] = beta == 0.0f ? 0.0f : beta * c[i + j * ldc];
}

// Accumulates columns [0, COLUMNS) of op(B) (column c at b + c·k) against one panel of op(A).
template <int COLUMNS>
void multiply_block(const float* panel, const float* b, int k, double (&sum)[BLOCK_COLUMNS][PANEL_ROWS])
{
    for (int c = 0; c < COLUMNS; c++)
        for (int r = 0; r < PANEL_ROWS; r++) sum[c][r] = 0.0;
    for (int p = 0; p < k; p++)
    {
        const float* a = panel + static_cast<size_t>(p) * PANEL_ROWS;
        for (int c = 0; c < COLUMNS; c++)
        {
            const double bp = b[static_cast<size_t>(c) * k + p];
            for (int r = 0; r < PANEL_ROWS; r++) sum[c][r] += static_cast<double>(a[r]) * bp;
        }
    }
}
} // namespace

void sgemm(int m, int n, int k, float alpha, const Operand& a, const Operand& b, float beta, float* c, long long ldc,
           InputRounding rounding)
{
    if (m == 0 || n == 0) return;
    if (k == 0 || alpha == 0.0f)
    {
        scale(m, n, beta, c, ldc);
        return;
    }
    const int panels = (m + PANEL_ROWS - 1) / PANEL_ROWS;
    std::vector<float> pa(static_cast<size_t>(panels) * PANEL_ROWS * k, 0.0f); // rows past m stay 0
    for (int i = 0; i < m; i++)
    {
        float* panel = pa.data() + static_cast<size_t>(i / PANEL_ROWS) * PANEL_ROWS * k + i % PANEL_ROWS;
        for (int p = 0; p < k; p++) panel[static_cast<size_t>(p) * PANEL_ROWS] = rounded(element(a, i, p), rounding);
    }
    std::vector<float> pb(static_cast<size_t>(k) * n);
    for (int j = 0; j < n; j++)
        for (int p = 0; p < k; p++) pb[static_cast<size_t>(j) * k + p] = rounded(element(b, p, j), rounding);

    double sum[BLOCK_COLUMNS][PANEL_ROWS];
    for (int panel = 0; panel < panels; panel++)
    {
        const float* pp = pa.data() + static_cast<size_t>(panel) * PANEL_ROWS * k;
        const int row0 = panel * PANEL_ROWS, rows = m - row0 < PANEL_ROWS ? m - row0 : PANEL_ROWS;
        for (int j = 0; j < n; j += BLOCK_COLUMNS)
        {
            const int columns = n - j < BLOCK_COLUMNS ? n - j : BLOCK_COLUMNS;
            const float* pbj = pb.data() + static_cast<size_t>(j) * k;
            switch (columns)
            {
            case 4: multiply_block<4>(pp, pbj, k, sum); break;
            case 3: multiply_block<3>(pp, pbj, k, sum); break;
            case 2: multiply_block<2>(pp, pbj, k, sum); break;
            default: multiply_block<1>(pp, pbj, k, sum); break;
            }
            for (int col = 0; col < columns; col++)
            {
                float* cc = c + row0 + (j + col) * ldc;
                for (int r = 0; r < rows; r++)
                {
                    const double product = static_cast<double>(alpha) * sum[col][r];
                    cc[r] = static_cast<float>(beta == 0.0f ? product : product + static_cast<double>(beta) * cc[r]);
                }
            }
        }
    }
}
} // namespace mockblas
