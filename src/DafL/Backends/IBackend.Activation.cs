namespace DafL.Backends;

public partial interface IBackend
{
    /// <summary>y = max(x, 0)·1 + min(x, 0)·slope (slope 0 is ReLU).</summary>
    void LeakyRelu(Tensor x, [Output] Tensor y, float slope);
    /// <summary>gx = gy where x &gt; 0, gy·slope elsewhere.</summary>
    void LeakyReluBackward(Tensor x, Tensor gy, [Output] Tensor gx, float slope);

    /// <summary>y = tanh(x).</summary>
    void Tanh(Tensor x, [Output] Tensor y);
    /// <summary>gx = gy·(1 − y²), from the forward output y.</summary>
    void TanhBackward(Tensor y, Tensor gy, [Output] Tensor gx);

    /// <summary>y = 1 / (1 + e^−x), as e^−|x| over (1 + e^−|x|) where x &lt; 0 so that no e^x overflows.</summary>
    void Sigmoid(Tensor x, [Output] Tensor y);
    /// <summary>gx = gy·(y·(1 − y)), from the forward output y.</summary>
    void SigmoidBackward(Tensor y, Tensor gy, [Output] Tensor gx);
}
