using DafL.NN;
using DafL.Random;

namespace DafL.Models;

/// <summary>
/// The generator of the official <c>DAFL-train.py</c>, keys and all (w = width, 128 officially; s = image size):
/// <code>
/// l1            Linear(latent, w·(s/4)²)                 → view (N, w, s/4, s/4)
/// conv_blocks0  BatchNorm2d(w)                            → nearest ×2
/// conv_blocks1  Conv2d(w, w, 3, pad 1), BatchNorm2d(w, eps 0.8), LeakyReLU(0.2)  → nearest ×2
/// conv_blocks2  Conv2d(w, w/2, 3, pad 1), BatchNorm2d(w/2, eps 0.8), LeakyReLU(0.2),
///               Conv2d(w/2, C, 3, pad 1), Tanh, BatchNorm2d(C, affine = False)
/// </code>
/// <c>BatchNorm2d(C, 0.8)</c> in the official code passes 0.8 as eps, not momentum. The generator is never put in
/// eval mode there, so its BNs always normalise with batch statistics. Each nearest ×2 is folded into the next block's
/// first convolution (<c>upsample: 2</c>), so the upsampled tensors are never built; keys and numbers are unchanged.
/// </summary>
public sealed class DaflGenerator : Module
{
    readonly Sequential _l1, _block0, _block1, _block2;
    readonly int _width, _initSize;

    public int LatentDim { get; }
    public int Channels { get; }
    public int ImageSize { get; }

    public DaflGenerator(int latentDim, int imageSize, int channels, Philox gen, int width = 128)
    {
        if (imageSize % 4 != 0) throw new ArgumentException($"DaflGenerator: image size {imageSize} must be a multiple of 4.");
        if (width % 2 != 0) throw new ArgumentException($"DaflGenerator: width {width} must be even.");
        LatentDim = latentDim;
        ImageSize = imageSize;
        Channels = channels;
        _width = width;
        _initSize = imageSize / 4;
        _l1 = RegisterModule("l1", new Sequential(new NN.Linear(latentDim, width * _initSize * _initSize, gen)));
        _block0 = RegisterModule("conv_blocks0", new Sequential(new BatchNorm2d(width)));
        _block1 = RegisterModule("conv_blocks1", new Sequential(
            new NN.Conv2d(width, width, 3, gen, padding: 1, upsample: 2),
            new BatchNorm2d(width, eps: 0.8f),
            new LeakyReLU(0.2f)));
        _block2 = RegisterModule("conv_blocks2", new Sequential(
            new NN.Conv2d(width, width / 2, 3, gen, padding: 1, upsample: 2),
            new BatchNorm2d(width / 2, eps: 0.8f),
            new LeakyReLU(0.2f),
            new NN.Conv2d(width / 2, channels, 3, gen, padding: 1),
            new NN.Tanh(),
            new BatchNorm2d(channels, affine: false)));
    }

    /// <summary>z (N, latent) → images (N, C, s, s).</summary>
    public Tensor Forward(Tensor z)
    {
        var h = _l1.Forward(z).Reshape(z.Shape[0], _width, _initSize, _initSize);
        h = _block0.Forward(h);                       // (N, w, s/4, s/4)
        h = _block1.Forward(h);                       // upsampled ×2 by its first convolution: (N, w, s/2, s/2)
        return _block2.Forward(h);                    // likewise: (N, C, s, s)
    }
}
