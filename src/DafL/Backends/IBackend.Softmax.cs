namespace DafL.Backends;

public partial interface IBackend
{
    /// <summary>y = softmax(x) (or log-softmax when <paramref name="log"/>) along <paramref name="dim"/>, max-subtracted.</summary>
    void Softmax(Tensor x, [Output] Tensor y, int dim, bool log);

    /// <summary>
    /// gx from the forward output y and its gradient gy along <paramref name="dim"/>:
    /// softmax: gx = y·(gy − Σ gy·y); log-softmax: gx = gy − eʸ·Σ gy.
    /// </summary>
    void SoftmaxBackward(Tensor y, Tensor gy, [Output] Tensor gx, int dim, bool log);

    /// <summary>
    /// loss (a scalar) = mean over rows i of logsumexp(logits_i) − logits_i[targets_i]; logits (N, C), targets (N)
    /// holding class indices as floats. Throws <see cref="ArgumentException"/> naming 'cross_entropy' when a target is
    /// not an integer in [0, C).
    /// </summary>
    void CrossEntropy(Tensor logits, Tensor targets, [Output] Tensor loss);

    /// <summary>gLogits = gLoss · (softmax(logits) − onehot(targets)) / N.</summary>
    void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor gLoss, [Output] Tensor gLogits);

    /// <summary>
    /// loss (a scalar) = scale · Σ (xlogy(t, t) − t·x) over all elements, x = <paramref name="logProbs"/>,
    /// t = <paramref name="target"/> (same shape); xlogy(0, 0) = 0 as in PyTorch.
    /// </summary>
    void KlDiv(Tensor logProbs, Tensor target, [Output] Tensor loss, float scale);

    /// <summary>
    /// The gradients of <see cref="KlDiv"/>, each written only when its tensor is given:
    /// gLogProbs = −scale·gLoss·t, gTarget = scale·gLoss·(ln t + 1 − x) (NaN where t = 0, as in PyTorch).
    /// </summary>
    void KlDivBackward(Tensor logProbs, Tensor target, Tensor gLoss, [Output] Tensor? gLogProbs, [Output] Tensor? gTarget,
        float scale);

    /// <summary>
    /// loss (a scalar) = (1/N) Σᵢ KL(softmax(tᵢ/T) ‖ softmax(sᵢ/T)) for student logits s and teacher logits t, both (N, C).
    /// </summary>
    void KdLoss(Tensor student, Tensor teacher, [Output] Tensor loss, float temperature);

    /// <summary>gStudent = gLoss · (softmax(s/T) − softmax(t/T)) / (N·T); the teacher gets no gradient.</summary>
    void KdLossBackward(Tensor student, Tensor teacher, Tensor gLoss, [Output] Tensor gStudent, float temperature);
}
