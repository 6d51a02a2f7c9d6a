using DafL.Memory;

namespace DafL.Backends.Cpu;

/// <summary>
/// 2-D convolution as im2col + GEMM (<see cref="ConvGeometry"/> explains the panels), register-blocked on a padded
/// copy of each image for stride-1 3×3 and 5×5 layers (<see cref="PaddedConv"/>, one image per task), by Winograd
/// F(4×4, 3×3) for the wide padding-1 3×3 ones (<see cref="WinogradConv"/>, one group of images per task), or directly
/// for the other layers with very few output channels (<see cref="DirectConv"/>). Work is split over groups of
/// images, one group per task with a GEMM that runs on one thread; when there are fewer groups than cores the groups
/// run one after another with a multi-threaded GEMM instead. Each worker thread rents one scratch buffer per call.
/// </summary>
public sealed unsafe partial class CpuBackend
{
    /// <summary>Most partial weight gradients (one per block of image groups) summed at the end of a backward pass.</summary>
    const int WeightGradientBlocks = 16;

    delegate void ConvTask(int task, float* scratch, bool parallelGemm);

    public void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, int stride, int padding)
    {
        var g = new ConvGeometry(x.Shape, weight.Shape, stride, padding);
        float* px = x.Ptr, pw = weight.Ptr, py = y.Ptr;
        float* pb = bias == null ? null : bias.Ptr;
        int o = g.O, k = g.K, p = g.P;
        if (g.IsFullyConnected)
        {
            // y (N, O) = x (N, K) · wᵀ (K, O) + bias on every row
            if (pb != null)
                for (int n = 0; n < g.N; n++) Buffer.MemoryCopy(pb, py + (long)n * o, o * sizeof(float), o * sizeof(float));
            Gemm.Sgemm(false, true, g.N, o, k, 1f, px, k, pw, k, pb != null ? 1f : 0f, py, o);
            return;
        }
        if (g.IsPadded)
        {
            PaddedForward(px, g.InputPerImage, g.N, g.PaddedLayout, pw, o, false, pb, py, g.OutputPerImage);
            return;
        }
        RunConvTasks(g.Groups, g.ColumnFloats + g.BlockFloats, (group, scratch, parallelGemm) =>
        {
            int n0 = group * g.ImagesPerGroup, count = Math.Min(g.ImagesPerGroup, g.N - n0);
            if (g.IsDirect)
            {
                float* yn = py + n0 * g.OutputPerImage;
                for (int c = 0; c < o; c++) new Span<float>(yn + c * p, p).Fill(pb == null ? 0f : pb[c]);
                DirectConv.Forward(px + n0 * g.InputPerImage, pw, g, yn);
            }
            else if (count == 1)
            {
                float* xi = px + n0 * g.InputPerImage, yi = py + n0 * g.OutputPerImage;
                for (int oh0 = 0; oh0 < g.Ho; oh0 += g.RowsPerPanel)
                {
                    int oh1 = Math.Min(g.Ho, oh0 + g.RowsPerPanel), cols = (oh1 - oh0) * g.Wo;
                    float* col = Columns(xi, g, oh0, oh1, scratch, out int ldCol);
                    float* band = yi + oh0 * g.Wo; // (O, cols) inside y_n (O, P)
                    Gemm.Sgemm(false, false, o, cols, k, 1f, pw, k, col, ldCol, 0f, band, p, parallelGemm);
                    if (pb != null) CopyRowsAddBias(band, p, band, p, o, cols, pb);
                }
            }
            else
            {
                int cols = count * p;
                float* col = scratch, block = scratch + g.ColumnFloats; // (K, cols), (O, cols)
                for (int i = 0; i < count; i++) Im2Col.Pack(px + (n0 + i) * g.InputPerImage, g, 0, g.Ho, col + i * p, cols);
                Gemm.Sgemm(false, false, o, cols, k, 1f, pw, k, col, cols, 0f, block, cols, parallelGemm);
                for (int i = 0; i < count; i++)
                    CopyRowsAddBias(block + i * p, cols, py + (n0 + i) * g.OutputPerImage, p, o, p, pb);
            }
        });
    }

    public void Conv2dBackwardData(Tensor gy, Tensor weight, Tensor gx, int stride, int padding)
    {
        var g = new ConvGeometry(gx.Shape, weight.Shape, stride, padding);
        float* pgy = gy.Ptr, pw = weight.Ptr, pgx = gx.Ptr;
        int o = g.O, k = g.K, p = g.P;
        if (g.IsFullyConnected)
        {
            // gx (N, K) = gy (N, O) · w (O, K)
            Gemm.Sgemm(false, false, g.N, k, o, 1f, pgy, o, pw, k, 0f, pgx, k);
            return;
        }
        if (g.IsPadded)
        {
            // gx is the forward convolution of gy padded by k − 1 − p with the kernel transposed and flipped.
            PaddedForward(pgy, g.OutputPerImage, g.N, g.PaddedGradientLayout, pw, g.C, true, null, pgx, g.InputPerImage);
            return;
        }
        RunConvTasks(g.Groups, g.ColumnFloats + g.BlockFloats, (group, scratch, parallelGemm) =>
        {
            int n0 = group * g.ImagesPerGroup, count = Math.Min(g.ImagesPerGroup, g.N - n0);
            float* gxi = pgx + n0 * g.InputPerImage;
            if (count == 1 && g.IsPointwise)
            {
                // gx_n (C, P) = wᵀ (C, O) · gy_n (O, P), written in place.
                Gemm.Sgemm(true, false, k, p, o, 1f, pw, k, pgy + n0 * g.OutputPerImage, p, 0f, gxi, p, parallelGemm);
                return;
            }
            new Span<float>(gxi, checked((int)(count * g.InputPerImage))).Clear();
            float* gcol = scratch; // (K, cols)
            if (g.IsDirect) DirectConv.BackwardData(pgy + n0 * g.OutputPerImage, pw, g, gxi);
            else if (count == 1)
            {
                float* gyi = pgy + n0 * g.OutputPerImage;
                for (int oh0 = 0; oh0 < g.Ho; oh0 += g.RowsPerPanel)
                {
                    int oh1 = Math.Min(g.Ho, oh0 + g.RowsPerPanel), cols = (oh1 - oh0) * g.Wo;
                    Gemm.Sgemm(true, false, k, cols, o, 1f, pw, k, gyi + oh0 * g.Wo, p, 0f, gcol, cols, parallelGemm);
                    Im2Col.Accumulate(gcol, cols, g, oh0, oh1, gxi);
                }
            }
            else
            {
                int cols = count * p;
                float* block = scratch + g.ColumnFloats; // (O, cols)
                GatherRows(pgy + n0 * g.OutputPerImage, count, o, p, block);
                Gemm.Sgemm(true, false, k, cols, o, 1f, pw, k, block, cols, 0f, gcol, cols, parallelGemm);
                for (int i = 0; i < count; i++) Im2Col.Accumulate(gcol + i * p, cols, g, 0, g.Ho, gxi + i * g.InputPerImage);
            }
        });
    }

    public void Conv2dBackwardWeight(Tensor x, Tensor gy, Tensor gw, int stride, int padding) =>
        BackwardWeight(new ConvGeometry(x.Shape, gw.Shape, stride, padding), 1, x.Ptr, gy.Ptr, gw);

    /// <summary>
    /// gw of the convolution g, its input x staged ×<paramref name="upsample"/> (2 only on the
    /// <see cref="ConvGeometry.IsPadded"/> path, where x is the small source).
    /// </summary>
    static void BackwardWeight(in ConvGeometry geometry, int upsample, float* px, float* pgy, Tensor gw)
    {
        var g = geometry; // a copy the task lambda can capture
        float* pgw = gw.Ptr;
        int o = g.O, k = g.K, p = g.P, groups = g.Groups;
        if (g.IsFullyConnected)
        {
            // gw (O, K) = gyᵀ (O, N) · x (N, K): one product, its sum over the batch in a fixed order.
            Gemm.Sgemm(true, false, o, k, g.N, 1f, pgy, o, px, k, 0f, pgw, k);
            return;
        }
        // Block b sums the gradients of its own image groups, in order, into its partial (block 0 into gw itself);
        // the partials are then added in block order. The blocks depend on the shapes only, so the sum is the same
        // whatever the threads do.
        int blocks = Math.Min(groups, WeightGradientBlocks);
        if (blocks == 0)
        {
            gw.Span.Clear(); // an empty batch has a zero gradient
            return;
        }
        if (g.IsPadded && WinogradConv.Applies(g.UpsampledLayout(upsample), o))
        {
            WinogradBackwardWeight(new WinogradConv.Plan(g.UpsampledLayout(upsample), o, g.N), g.N, px, pgy, g.OutputPerImage, pgw);
            return;
        }
        long weightFloats = (long)o * k;
        long partialsCapacity = 0;
        float* partials = blocks > 1 ? BufferPool.Rent((blocks - 1) * weightFloats, out partialsCapacity) : null;
        try
        {
            var padded = g.UpsampledLayout(upsample);
            long scratchFloats = g.IsPadded ? PaddedConv.WeightScratchFloats(padded, o, g.ImagesPerGroup) : g.ColumnFloats + g.BlockFloats;
            RunConvTasks(blocks, scratchFloats, (b, scratch, parallelGemm) =>
            {
                float* target = b == 0 ? pgw : partials + (b - 1) * weightFloats; // (O, K)
                float beta = 0f; // the first product overwrites the partial
                if (g.IsDirect || g.IsPadded) new Span<float>(target, checked((int)weightFloats)).Clear();
                for (int group = (int)((long)groups * b / blocks), end = (int)((long)groups * (b + 1) / blocks); group < end; group++)
                {
                    int n0 = group * g.ImagesPerGroup, count = Math.Min(g.ImagesPerGroup, g.N - n0);
                    if (g.IsDirect) DirectConv.BackwardWeight(px + n0 * g.InputPerImage, pgy + n0 * g.OutputPerImage, g, target);
                    else if (g.IsPadded) PaddedConv.BackwardWeight(px + n0 * padded.SourcePerImage, pgy + n0 * g.OutputPerImage, count, padded, o, target, scratch);
                    else if (count == 1)
                    {
                        float* xi = px + n0 * g.InputPerImage, gyi = pgy + n0 * g.OutputPerImage;
                        for (int oh0 = 0; oh0 < g.Ho; oh0 += g.RowsPerPanel, beta = 1f)
                        {
                            int oh1 = Math.Min(g.Ho, oh0 + g.RowsPerPanel), cols = (oh1 - oh0) * g.Wo;
                            float* col = Columns(xi, g, oh0, oh1, scratch, out int ldCol);
                            // gw (O, K) += gy band (O, cols) · colᵀ (cols, K)
                            Gemm.Sgemm(false, true, o, k, cols, 1f, gyi + oh0 * g.Wo, p, col, ldCol, beta, target, k, parallelGemm);
                        }
                    }
                    else
                    {
                        int cols = count * p;
                        float* col = scratch, block = scratch + g.ColumnFloats; // (K, cols), (O, cols)
                        for (int i = 0; i < count; i++) Im2Col.Pack(px + (n0 + i) * g.InputPerImage, g, 0, g.Ho, col + i * p, cols);
                        GatherRows(pgy + n0 * g.OutputPerImage, count, o, p, block);
                        Gemm.Sgemm(false, true, o, k, cols, 1f, block, cols, col, cols, beta, target, k, parallelGemm);
                        beta = 1f;
                    }
                }
            });
            if (blocks > 1)
                Parallelism.ForRanges(weightFloats, 1 << 14, (from, to) =>
                {
                    for (int b = 1; b < blocks; b++) Simd.Add(pgw + from, partials + (b - 1) * weightFloats + from, pgw + from, to - from);
                });
        }
        finally
        {
            if (partials != null) BufferPool.Return(partials, partialsCapacity);
        }
    }

    /// <summary>
    /// gw by <see cref="WinogradConv"/>: as the other paths, block b adds the transformed gradients of its own groups in
    /// order, and the blocks are summed in block order (here before G's constants apply, once).
    /// </summary>
    static void WinogradBackwardWeight(WinogradConv.Plan plan, int n, float* px, float* pgy, long gyPerImage, float* pgw)
    {
        int groups = plan.Groups(n), blocks = Math.Min(groups, WeightGradientBlocks);
        long partialFloats = plan.TransformedGradientFloats;
        float* partials = BufferPool.Rent(blocks * partialFloats, out long capacity);
        try
        {
            RunConvTasks(blocks, plan.GradientScratchFloats, (b, scratch, _) =>
            {
                float* target = partials + b * partialFloats;
                int first = (int)((long)groups * b / blocks), end = (int)((long)groups * (b + 1) / blocks);
                for (int group = first; group < end; group++)
                {
                    int n0 = group * plan.ImagesPerGroup, count = Math.Min(plan.ImagesPerGroup, n - n0);
                    WinogradConv.AccumulateWeightGradient(px + n0 * plan.SourcePerImage, plan.SourcePerImage, pgy + n0 * gyPerImage, gyPerImage, count,
                        plan, target, group == first, scratch);
                }
            });
            if (blocks > 1)
                Parallelism.ForRanges(partialFloats, 1 << 14, (from, to) =>
                {
                    for (int b = 1; b < blocks; b++) Simd.Add(partials + from, partials + b * partialFloats + from, partials + from, to - from);
                });
            WinogradConv.WeightGradient(partials, plan, pgw);
        }
        finally
        {
            BufferPool.Return(partials, capacity);
        }
    }

    public void Conv2dBackwardBias(Tensor gy, Tensor gb)
    {
        int n = gy.Shape[0], o = gy.Shape[1];
        long p = (long)gy.Shape[2] * gy.Shape[3];
        float* pgy = gy.Ptr, pgb = gb.Ptr;
        Parallelism.ForRanges(o, Math.Max(1, (1 << 16) / Math.Max(1, n * p)), (from, to) =>
        {
            for (long c = from; c < to; c++)
            {
                double sum = 0; // float64 across images: the same order every time
                for (int i = 0; i < n; i++) sum += Simd.Sum(pgy + (i * o + c) * p, p);
                pgb[c] = (float)sum;
            }
        });
    }

    /// <summary>
    /// y_n (outputs, Ho, Wo) = x_n ⋆ w (+ bias) for each of n images with <see cref="PaddedConv"/>, one image per task;
    /// with <paramref name="transposeFlip"/>, w (inputs, outputs, kH, kW) is used transposed and flipped (the data gradient).
    /// With <paramref name="sumBlocksOfTwo"/>, y_n is (outputs, Ho/2, Wo/2): each image's result goes to scratch and
    /// every 2 × 2 block of it is summed into y_n, as <see cref="UpsampleNearestBackward"/> sums (the gradient of a
    /// ×2 upsample that fed the convolution).
    /// </summary>
    static void PaddedForward(float* x, long xPerImage, int n, PaddedConv.Layout layout, float* w, int outputs, bool transposeFlip, float* bias, float* y, long yPerImage,
        bool sumBlocksOfTwo = false)
    {
        if (WinogradConv.Applies(layout, outputs))
        {
            WinogradForward(x, xPerImage, n, layout, w, outputs, transposeFlip, bias, y, yPerImage, sumBlocksOfTwo);
            return;
        }
        float* packed = BufferPool.Rent(PaddedConv.PackedWeightFloats(outputs, layout), out long capacity);
        try
        {
            PaddedConv.PackWeights(w, outputs, layout, transposeFlip, packed);
            long forwardScratch = PaddedConv.ForwardScratchFloats(layout, outputs);
            long fullOutput = sumBlocksOfTwo ? (long)outputs * layout.Ho * layout.Wo : 0;
            RunConvTasks(n, forwardScratch + fullOutput, (i, scratch, _) =>
            {
                float* yi = y + i * yPerImage;
                if (!sumBlocksOfTwo)
                {
                    PaddedConv.Forward(x + i * xPerImage, layout, packed, outputs, transposeFlip, bias, yi, scratch);
                    return;
                }
                float* full = scratch + forwardScratch;
                PaddedConv.Forward(x + i * xPerImage, layout, packed, outputs, transposeFlip, bias, full, scratch);
                SumBlocksOfTwo(full, outputs, layout.Ho, layout.Wo, yi);
            });
        }
        finally
        {
            BufferPool.Return(packed, capacity);
        }
    }

    /// <summary><see cref="PaddedForward"/> by <see cref="WinogradConv"/>, one group of images per task.</summary>
    static void WinogradForward(float* x, long xPerImage, int n, in PaddedConv.Layout layout, float* w, int outputs, bool transposeFlip, float* bias,
        float* y, long yPerImage, bool sumBlocksOfTwo)
    {
        var plan = new WinogradConv.Plan(layout, outputs, n);
        float* u = BufferPool.Rent(plan.TransformedWeightFloats, out long capacity);
        try
        {
            WinogradConv.TransformWeights(w, plan, transposeFlip, u);
            long fullPerImage = (long)outputs * plan.H * plan.W, scratchFloats = plan.ScratchFloats;
            RunConvTasks(plan.Groups(n), scratchFloats + (sumBlocksOfTwo ? plan.ImagesPerGroup * fullPerImage : 0), (group, scratch, _) =>
            {
                int n0 = group * plan.ImagesPerGroup, count = Math.Min(plan.ImagesPerGroup, n - n0);
                if (!sumBlocksOfTwo)
                {
                    WinogradConv.Forward(x + n0 * xPerImage, xPerImage, count, plan, u, bias, y + n0 * yPerImage, yPerImage, scratch);
                    return;
                }
                float* full = scratch + scratchFloats;
                WinogradConv.Forward(x + n0 * xPerImage, xPerImage, count, plan, u, bias, full, fullPerImage, scratch);
                for (int i = 0; i < count; i++) SumBlocksOfTwo(full + i * fullPerImage, outputs, plan.H, plan.W, y + (n0 + i) * yPerImage);
            });
        }
        finally
        {
            BufferPool.Return(u, capacity);
        }
    }

    /// <summary>
    /// y (planes, h/2, w/2)[.., i, j] = the sum of the 2 × 2 block at (2i, 2j) of full (planes, h, w), in
    /// <see cref="UpsampleNearestBackward"/>'s order: the gradient of a ×2 upsample that fed the convolution.
    /// </summary>
    static void SumBlocksOfTwo(float* full, int planes, int h, int w, float* y)
    {
        // The planes' rows follow one another and h is even, so no pair of rows straddles two planes.
        int rows = planes * h / 2;
        for (int r = 0; r < rows; r++) SumPairsOfTwoRows(full + 2L * r * w, full + (2L * r + 1) * w, y + (long)r * (w / 2), w / 2);
    }

    /// <summary>
    /// The column matrix (K, ld) of output rows [oh0, oh1) of x_n: x_n itself for a pointwise convolution, else
    /// its im2col slice, written into scratch.
    /// </summary>
    static float* Columns(float* xi, in ConvGeometry g, int oh0, int oh1, float* scratch, out int ld)
    {
        if (g.IsPointwise)
        {
            ld = g.P;
            return xi + oh0 * g.Wo;
        }
        ld = (oh1 - oh0) * g.Wo;
        Im2Col.Pack(xi, g, oh0, oh1, scratch, ld);
        return scratch;
    }

    /// <summary>block (O, count·P) ← rows of src (count, O, P): image i's row o lands at block[o, i·P].</summary>
    static void GatherRows(float* src, int count, int o, int p, float* block)
    {
        long bytes = (long)p * sizeof(float), ld = (long)count * p;
        for (int i = 0; i < count; i++)
            for (int c = 0; c < o; c++)
                Buffer.MemoryCopy(src + ((long)i * o + c) * p, block + c * ld + (long)i * p, bytes, bytes);
    }

    /// <summary>dst[r, 0..len) = src[r, 0..len) + bias[r] for r &lt; rows (a plain copy when bias is null); src may be dst.</summary>
    static void CopyRowsAddBias(float* src, int ldSrc, float* dst, int ldDst, int rows, int len, float* bias)
    {
        for (int r = 0; r < rows; r++)
        {
            float* s = src + (long)r * ldSrc, d = dst + (long)r * ldDst;
            if (bias != null) Simd.Affine(s, 1f, bias[r], d, len);
            else if (s != d) Buffer.MemoryCopy(s, d, (long)len * sizeof(float), (long)len * sizeof(float));
        }
    }

    /// <summary>
    /// Runs <paramref name="tasks"/> independent tasks, each with a scratch buffer of <paramref name="scratchFloats"/>:
    /// in parallel (one buffer per worker thread, single-threaded GEMMs, at most one worker per core) when there are
    /// enough tasks to occupy every core, else one after another with a multi-threaded GEMM.
    /// </summary>
    static void RunConvTasks(int tasks, long scratchFloats, ConvTask body)
    {
        if (tasks < Environment.ProcessorCount)
        {
            float* scratch = BufferPool.Rent(scratchFloats, out long capacity);
            try
            {
                for (int t = 0; t < tasks; t++) body(t, scratch, true);
            }
            finally
            {
                BufferPool.Return(scratch, capacity);
            }
            return;
        }
        long rentedCapacity = BufferPool.SizeClass(Math.Max(scratchFloats, 1));
        Parallel.For(0, tasks, Parallelism.OneThreadPerCore,
            () => (nint)BufferPool.Rent(scratchFloats, out _),
            (t, _, scratch) =>
            {
                body(t, (float*)scratch, false);
                return scratch;
            },
            scratch => BufferPool.Return((float*)scratch, rentedCapacity));
    }
}
