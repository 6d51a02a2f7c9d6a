using System.Runtime.CompilerServices;
using static DafL.Backends.Cpu.VectorOps;

namespace DafL.Backends.Cpu;

/// <summary>
/// The input transform V = Bᵀ·d·B and the inverse y = Aᵀ·M·A of <see cref="WinogradConv"/>, each as two passes of the
/// 1-D transform (down, then across), in vectors: the down pass runs along whole staged rows, the across pass over
/// the tiles of a row, which the phase-split staging puts side by side. Bᵀ and Aᵀ are Lavin and Gray's for the points
/// 0, 1, −1, 2, −2 and ∞, written with the common terms shared.
/// </summary>
internal static unsafe partial class WinogradConv
{
    /// <summary>
    /// V[ξ = 6k + l][tile t] for the tiles of one tile row (rows[0 .. 6 rows) of the staged plane, Tile·r onwards):
    /// into <paramref name="v"/> + ξ·<paramref name="vPoint"/> + t. A last vector past the row's tiles writes into the
    /// next tile row's place (filled later) or the row's slack.
    /// </summary>
    static void TransformInputRow<TVector>(float* staged, in Plan p, float* rows, float* v, long vPoint) where TVector : struct
    {
        int lanes = Count<TVector>(), rowLength = p.RowLength, ld = p.RowVectorFloats, wq = p.PhaseLength;
        for (int q = 0; q < ld; q += lanes)
        {
            float* d = staged + q;
            InputTransform(Load<TVector>(d), Load<TVector>(d + rowLength), Load<TVector>(d + 2 * rowLength), Load<TVector>(d + 3 * rowLength),
                Load<TVector>(d + 4 * rowLength), Load<TVector>(d + 5 * rowLength),
                out var r0, out var r1, out var r2, out var r3, out var r4, out var r5);
            StoreSix(r0, r1, r2, r3, r4, r5, rows + q, ld);
        }
        for (int k = 0; k < Alpha; k++)
        {
            float* row = rows + k * ld, vk = v + Alpha * k * vPoint;
            for (int t = 0; t < p.TilesW; t += lanes)
            {
                // Tile t's six columns 4t .. 4t + 5 are phases 0-3 at t and phases 0-1 at t + 1.
                float* e = row + t;
                InputTransform(Load<TVector>(e), Load<TVector>(e + wq), Load<TVector>(e + 2 * wq), Load<TVector>(e + 3 * wq),
                    Load<TVector>(e + 1), Load<TVector>(e + wq + 1),
                    out var r0, out var r1, out var r2, out var r3, out var r4, out var r5);
                StoreSix(r0, r1, r2, r3, r4, r5, vk + t, vPoint);
            }
        }
    }

    /// <summary>The six results of a 1-D transform, <paramref name="stride"/> floats apart from <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreSix<TVector>(TVector r0, TVector r1, TVector r2, TVector r3, TVector r4, TVector r5, float* p, long stride) where TVector : struct
    {
        Store(r0, p); Store(r1, p + stride); Store(r2, p + 2 * stride);
        Store(r3, p + 3 * stride); Store(r4, p + 4 * stride); Store(r5, p + 5 * stride);
    }

    /// <summary>(r0 .. r5) = Bᵀ·(d0 .. d5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void InputTransform<TVector>(TVector d0, TVector d1, TVector d2, TVector d3, TVector d4, TVector d5,
        out TVector r0, out TVector r1, out TVector r2, out TVector r3, out TVector r4, out TVector r5) where TVector : struct
    {
        TVector four = Create<TVector>(4f), minusFour = Create<TVector>(-4f), minusFive = Create<TVector>(-5f);
        r0 = FusedMultiplyAdd(four, d0, FusedMultiplyAdd(minusFive, d2, d4));  // 4d0 − 5d2 + d4
        var a = FusedMultiplyAdd(minusFour, d2, d4);                            // d4 − 4d2
        var b = FusedMultiplyAdd(minusFour, d1, d3);                            // d3 − 4d1
        r1 = Add(a, b);
        r2 = Subtract(a, b);
        var c = Subtract(d4, d2);
        var e = Multiply(Create<TVector>(2f), Subtract(d3, d1));
        r3 = Add(c, e);                                                         // −2d1 − d2 + 2d3 + d4
        r4 = Subtract(c, e);                                                    //  2d1 − d2 − 2d3 + d4
        r5 = FusedMultiplyAdd(four, d1, FusedMultiplyAdd(minusFive, d3, d5));  // 4d1 − 5d3 + d5
    }

    /// <summary>
    /// One output channel's tile row (output rows Tile·r .. + 4, at <paramref name="y"/>) from M (point ξ at
    /// <paramref name="m"/> + ξ·<paramref name="mPoint"/>, tile t at + t), + bias. <paramref name="work"/>: 40 vectors.
    /// </summary>
    static void InverseRow<TVector>(float* m, long mPoint, in Plan p, float bias, float* y, float* work) where TVector : struct
    {
        int lanes = Count<TVector>(), w = p.W;
        float* down = work, across = work + 24 * lanes; // (4 rows, 6 columns) and (4 columns) vectors
        for (int t0 = 0; t0 < p.TilesW; t0 += lanes)
        {
            for (int l = 0; l < Alpha; l++)
            {
                float* c = m + l * mPoint + t0;
                OutputTransform(Load<TVector>(c), Load<TVector>(c + Alpha * mPoint), Load<TVector>(c + 2 * Alpha * mPoint),
                    Load<TVector>(c + 3 * Alpha * mPoint), Load<TVector>(c + 4 * Alpha * mPoint), Load<TVector>(c + 5 * Alpha * mPoint),
                    out var s0, out var s1, out var s2, out var s3);
                Store(s0, down + l * lanes); Store(s1, down + (Alpha + l) * lanes);
                Store(s2, down + (2 * Alpha + l) * lanes); Store(s3, down + (3 * Alpha + l) * lanes);
            }
            int valid = Math.Min(lanes, p.TilesW - t0);
            for (int i = 0; i < Tile; i++)
            {
                float* s = down + i * Alpha * lanes;
                OutputTransform(Load<TVector>(s), Load<TVector>(s + lanes), Load<TVector>(s + 2 * lanes), Load<TVector>(s + 3 * lanes),
                    Load<TVector>(s + 4 * lanes), Load<TVector>(s + 5 * lanes), out var y0, out var y1, out var y2, out var y3);
                Store(y0, across); Store(y1, across + lanes); Store(y2, across + 2 * lanes); Store(y3, across + 3 * lanes);
                float* row = y + (long)i * w + Tile * t0;
                for (int t = 0; t < valid; t++, row += Tile)
                {
                    row[0] = across[t] + bias;
                    row[1] = across[lanes + t] + bias;
                    row[2] = across[2 * lanes + t] + bias;
                    row[3] = across[3 * lanes + t] + bias;
                }
            }
        }
    }

    /// <summary>(y0 .. y3) = Aᵀ·(m0 .. m5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void OutputTransform<TVector>(TVector m0, TVector m1, TVector m2, TVector m3, TVector m4, TVector m5,
        out TVector y0, out TVector y1, out TVector y2, out TVector y3) where TVector : struct
    {
        var a = Add(m1, m2);
        var b = Subtract(m1, m2);
        var c = Add(m3, m4);
        var d = Subtract(m3, m4);
        y0 = Add(Add(m0, a), c);                                         // m0 + m1 + m2 + m3 + m4
        y1 = FusedMultiplyAdd(Create<TVector>(2f), d, b);                // m1 − m2 + 2(m3 − m4)
        y2 = FusedMultiplyAdd(Create<TVector>(4f), c, a);                // m1 + m2 + 4(m3 + m4)
        y3 = Add(FusedMultiplyAdd(Create<TVector>(8f), d, b), m5);       // m1 − m2 + 8(m3 − m4) + m5
    }
}
