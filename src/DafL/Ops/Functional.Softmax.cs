using DafL.Autograd;

namespace DafL.Ops;

public static partial class Functional
{
    /// <summary>exp(x) / Σ exp(x) along <paramref name="dim"/>, computed max-subtracted so no logit overflows.</summary>
    public static Tensor Softmax(Tensor x, int dim = -1) => SoftmaxOp("softmax", x, dim, log: false);

    /// <summary>x − logsumexp(x) along <paramref name="dim"/>, computed max-subtracted.</summary>
    public static Tensor LogSoftmax(Tensor x, int dim = -1) => SoftmaxOp("log_softmax", x, dim, log: true);

    static Tensor SoftmaxOp(string op, Tensor x, int dim, bool log)
    {
        int d = NormalizeDim(op, x, dim);
        var y = Tensor.Empty(x.Shape, x.Device);
        using (var xc = x.ContiguousNoGrad()) x.Backend.Softmax(xc, y, d, log);
        return Graph.Record(op, y, [x], gy =>
        {
            var gx = Tensor.Empty(x.Shape, x.Device);
            x.Backend.SoftmaxBackward(y, gy, gx, d, log);
            return [gx];
        });
    }

    /// <summary>
    /// Cross-entropy of logits (N, C) against class indices (N) held as floats, averaged over the batch
    /// (PyTorch's <c>F.cross_entropy</c> with the default reduction). Fused log-softmax and negative log-likelihood:
    /// the gradient is (softmax(logits) − onehot(targets)) / N. Targets get no gradient.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets)
    {
        const string op = "cross_entropy";
        Tensor.CheckSameDevice(op, logits, targets);
        if (logits.Rank != 2 || targets.Rank != 1 || targets.Shape[0] != logits.Shape[0] || logits.Shape[1] == 0)
            throw new ArgumentException($"{op}: expects logits (N, C) with C ≥ 1 and targets (N), got {Tensor.ShapeString(logits.Shape)} and {Tensor.ShapeString(targets.Shape)}.");
        var loss = Tensor.Empty([], logits.Device);
        using (var lc = logits.ContiguousNoGrad())
        using (var tc = targets.ContiguousNoGrad())
            logits.Backend.CrossEntropy(lc, tc, loss);
        return Graph.Record(op, loss, [logits], gy =>
        {
            var gx = Tensor.Empty(logits.Shape, logits.Device);
            using var lc = logits.ContiguousNoGrad();
            using var tc = targets.ContiguousNoGrad();
            logits.Backend.CrossEntropyBackward(lc, tc, gy, gx);
            return [gx];
        });
    }

    /// <summary>
    /// PyTorch's <c>F.kl_div(input=logProbs, target=targetProbs, reduction=...)</c>: the pointwise terms
    /// target·(ln target − logProbs), written xlogy(t, t) − t·x so that a 0 target adds 0, then reduced.
    /// Both tensors have the same shape (no broadcasting). Gradients go to whichever input requires them:
    /// ∂/∂x = −t and ∂/∂t = ln t + 1 − x, which is NaN where t = 0 exactly as in PyTorch (a target that needs
    /// gradients should be strictly positive).
    /// </summary>
    public static Tensor KlDiv(Tensor logProbs, Tensor targetProbs, KlReduction reduction)
    {
        const string op = "kl_div";
        Tensor.CheckSameDevice(op, logProbs, targetProbs);
        CheckSameShape(op, logProbs, targetProbs);
        float scale = reduction switch
        {
            KlReduction.Sum => 1f,
            KlReduction.Mean => 1f / logProbs.Numel,
            KlReduction.BatchMean when logProbs.Rank >= 1 => 1f / logProbs.Shape[0],
            KlReduction.BatchMean => throw new ArgumentException($"{op}: batchmean needs a batch dimension, got shape {Tensor.ShapeString(logProbs.Shape)}."),
            _ => throw new ArgumentOutOfRangeException(nameof(reduction), reduction, $"{op}: unknown reduction."),
        };
        var loss = Tensor.Empty([], logProbs.Device);
        using (var xc = logProbs.ContiguousNoGrad())
        using (var tc = targetProbs.ContiguousNoGrad())
            logProbs.Backend.KlDiv(xc, tc, loss, scale);
        return Graph.Record(op, loss, [logProbs, targetProbs], gy =>
        {
            var gx = logProbs.RequiresGrad ? Tensor.Empty(logProbs.Shape, logProbs.Device) : null;
            var gt = targetProbs.RequiresGrad ? Tensor.Empty(targetProbs.Shape, targetProbs.Device) : null;
            using var xc = logProbs.ContiguousNoGrad();
            using var tc = targetProbs.ContiguousNoGrad();
            logProbs.Backend.KlDivBackward(xc, tc, gy, gx, gt, scale);
            return [gx, gt];
        });
    }

    /// <summary>
    /// Knowledge-distillation loss, fused: (1/N) Σᵢ KL(softmax(tᵢ/T) ‖ softmax(sᵢ/T)) for student logits s and
    /// teacher logits t, both (N, C). Equals <c>F.kl_div(F.log_softmax(s/T, 1), F.softmax(t/T, 1), reduction='sum') / N</c>
    /// (no T² factor); at T = 1 it is DAFL's <c>kdloss</c> (dafl-facts §2.4). The teacher is a constant: only the student
    /// gets a gradient, (softmax(s/T) − softmax(t/T)) / (N·T).
    /// </summary>
    public static Tensor KdLoss(Tensor studentLogits, Tensor teacherLogits, float temperature = 1f)
    {
        const string op = "kd_loss";
        Tensor.CheckSameDevice(op, studentLogits, teacherLogits);
        CheckRank(op, studentLogits, 2, "student logits");
        CheckSameShape(op, studentLogits, teacherLogits);
        if (studentLogits.Shape[1] == 0)
            throw new ArgumentException($"{op}: logits {Tensor.ShapeString(studentLogits.Shape)} have no classes.");
        if (!(temperature > 0) || float.IsInfinity(temperature))
            throw new ArgumentException($"{op}: temperature must be positive and finite, got {temperature}.");
        var loss = Tensor.Empty([], studentLogits.Device);
        using (var sc = studentLogits.ContiguousNoGrad())
        using (var tc = teacherLogits.ContiguousNoGrad())
            studentLogits.Backend.KdLoss(sc, tc, loss, temperature);
        return Graph.Record(op, loss, [studentLogits], gy =>
        {
            var gs = Tensor.Empty(studentLogits.Shape, studentLogits.Device);
            using var sc = studentLogits.ContiguousNoGrad();
            using var tc = teacherLogits.ContiguousNoGrad();
            studentLogits.Backend.KdLossBackward(sc, tc, gy, gs, temperature);
            return [gs];
        });
    }
}
