using DafL.Data;

namespace DafL.Tests.Data;

public class PreprocessingTests
{
    /// <summary>A 28×28 test image with varied values: v(y, x) = (37x + 91y + 13xy) mod 256.</summary>
    static byte[] PatternImage()
    {
        var image = new byte[28 * 28];
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++) image[y * 28 + x] = (byte)((37 * x + 91 * y + 13 * x * y) % 256);
        return image;
    }

    // Made once with Pillow 9.4 (Debian's /usr/bin/python3):
    //   y, x = np.mgrid[0:28, 0:28]; im = ((37*x + 91*y + 13*x*y) % 256).astype(np.uint8)
    //   o = np.asarray(Image.fromarray(im, 'L').resize((32, 32), Image.BILINEAR)); print(o[0], o[15], o[31])
    static readonly byte[] PillowRow0 = [0, 30, 62, 95, 127, 160, 192, 208, 17, 33, 65, 98, 130, 163, 195, 211, 20, 36, 68, 101, 133, 166, 198, 214, 23, 39, 71, 104, 136, 169, 201, 231];
    static readonly byte[] PillowRow15 = [165, 124, 82, 39, 101, 192, 150, 108, 78, 36, 159, 190, 147, 104, 62, 34, 215, 188, 145, 102, 59, 91, 213, 171, 142, 99, 57, 149, 211, 167, 125, 85];
    static readonly byte[] PillowRow31 = [153, 52, 120, 91, 95, 130, 70, 169, 61, 160, 100, 135, 139, 110, 178, 85, 201, 108, 176, 147, 151, 186, 126, 225, 117, 216, 156, 191, 195, 86, 26, 133];

    [Test]
    public void ResizeMatchesPillowBitForBit()
    {
        var output = new byte[32 * 32];
        new PilBilinearResize(28, 28, 32, 32).Apply(PatternImage(), output);
        Assert.That(output[..32], Is.EqualTo(PillowRow0));
        Assert.That(output[(15 * 32)..(16 * 32)], Is.EqualTo(PillowRow15));
        Assert.That(output[(31 * 32)..], Is.EqualTo(PillowRow31));
    }

    [TestCase(28, 28, 32, 32)]
    [TestCase(28, 28, 14, 20)]
    [TestCase(3, 5, 3, 5)]
    public void ResizeKeepsAConstantImageConstant(int inH, int inW, int outH, int outW)
    {
        foreach (byte value in new byte[] { 0, 1, 77, 254, 255 })
        {
            var input = Enumerable.Repeat(value, inH * inW).ToArray();
            var output = new byte[outH * outW];
            new PilBilinearResize(inH, inW, outH, outW).Apply(input, output);
            Assert.That(output, Is.All.EqualTo(value));
        }
    }

    [Test]
    public void ResizeToTheSameSizeIsTheIdentity()
    {
        var image = PatternImage();
        var output = new byte[image.Length];
        new PilBilinearResize(28, 28, 28, 28).Apply(image, output);
        Assert.That(output, Is.EqualTo(image));
    }

    [Test]
    public void ResizeRejectsWrongBufferSizes()
    {
        var resize = new PilBilinearResize(28, 28, 32, 32);
        var e = Assert.Throws<ArgumentException>(() => resize.Apply(new byte[100], new byte[1024]))!;
        Assert.That(e.Message, Does.Contain("PilBilinearResize").And.Contain("28×28 → 32×32"));
        Assert.Throws<ArgumentException>(() => _ = new PilBilinearResize(0, 28, 32, 32));
    }

    [Test]
    public void NormalizationMatchesTorchvision()
    {
        // torchvision 0.14: T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]) of an 'L' image [0, 1, 128, 255].
        var mnist = Normalization.Mnist.Table(0);
        Assert.That(new[] { mnist[0], mnist[1], mnist[128], mnist[255] },
            Is.EqualTo(new[] { -0.4242129623889923f, -0.4114847183227539f, 1.2050011157989502f, 2.821486711502075f }));
        // ... and Normalize((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)) of RGB pixels 0, 255, 77: channel c of each.
        float[,] cifar = { { -2.429065704345703f, 2.5140879154205322f, -0.936427116394043f },
                           { -2.418254852294922f, 2.596790313720703f, -0.9039077758789062f },
                           { -2.22139310836792f, 2.7537312507629395f, -0.7191005349159241f } };
        for (int c = 0; c < 3; c++)
        {
            var table = Normalization.Cifar.Table(c);
            Assert.That(new[] { table[0], table[255], table[77] }, Is.EqualTo(new[] { cifar[c, 0], cifar[c, 1], cifar[c, 2] }), $"channel {c}");
        }
    }

    [Test]
    public void NormalizationFollowsItsDefinition()
    {
        var norm = new Normalization([0.5f, 0.25f], [0.5f, 2f]);
        var dst = new float[4];
        norm.Apply([0, 255, 51, 102], dst);
        Assert.That(dst, Is.EqualTo(new[] { -1f, 1f, (0.2f - 0.25f) / 2f, (0.4f - 0.25f) / 2f }).Within(1e-6f));
        Assert.Throws<ArgumentException>(() => _ = new Normalization([0.5f], [0.5f, 0.5f]));
        Assert.Throws<ArgumentException>(() => _ = new Normalization([0.5f], [0f]));
    }

    [Test]
    public void MnistPipelineResizesThenNormalises()
    {
        var first = PatternImage();
        var second = Enumerable.Repeat((byte)255, 28 * 28).ToArray();
        var raw = new ImageSet("synthetic", 1, 28, 28, 10, [.. first, .. second], [3, 8]);
        var ds = DaflPreprocessing.Mnist(raw);
        Assert.That((ds.Count, ds.Channels, ds.Height, ds.Width, ds.ClassCount, ds.RandomWordsPerSample), Is.EqualTo((2, 1, 32, 32, 10, 0)));
        var table = Normalization.Mnist.Table(0);
        var image = ds.Image(0);
        for (int x = 0; x < 32; x++)
        {
            Assert.That(image[x], Is.EqualTo(table[PillowRow0[x]]));
            Assert.That(image[31 * 32 + x], Is.EqualTo(table[PillowRow31[x]]));
        }
        Assert.That(ds.Image(1).ToArray(), Is.All.EqualTo(2.821486711502075f));
        Assert.That((ds.Label(0), ds.Label(1)), Is.EqualTo(((byte)3, (byte)8)));
        var fashion = DaflPreprocessing.Mnist(raw, MnistVariant.FashionMnist);
        Assert.That(fashion.Image(1)[0], Is.EqualTo((1f - 0.2860f) / 0.3530f));
    }

    [Test]
    public void PipelinesRejectMismatchedChannels()
    {
        var rgb = new ImageSet("rgb", 3, 4, 4, 10, new byte[48], [0]);
        var e = Assert.Throws<ArgumentException>(() => DaflPreprocessing.Mnist(rgb))!;
        Assert.That(e.Message, Does.Contain("ResizeAndNormalize").And.Contain("3 channels"));
        Assert.Throws<ArgumentException>(() => _ = new NormalizingImageDataset(rgb, Normalization.Mnist));
    }

    /// <summary>The definition: pad with zeros, cut the 32×32 window at (top, left), mirror if asked, normalise.</summary>
    static float[] NaiveCropFlip(byte[] image, int top, int left, bool flip)
    {
        const int pad = 4, side = 32, padded = side + 2 * pad;
        var result = new float[3 * side * side];
        for (int c = 0; c < 3; c++)
        {
            var big = new byte[padded, padded];
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++) big[y + pad, x + pad] = image[c * 1024 + y * side + x];
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                {
                    int cx = flip ? side - 1 - x : x;
                    result[c * 1024 + y * side + x] = Normalization.Cifar.Table(c)[big[top + y, left + cx]];
                }
        }
        return result;
    }

    static byte[] ColourImage(int tag) => [.. Enumerable.Range(0, 3072).Select(p => SyntheticDataFiles.CifarPixel(1, p * 3, tag))];

    [Test]
    public void RandomCropFlipMatchesItsDefinition()
    {
        var aug = new RandomCropFlip(padding: 4);
        var image = ColourImage(17);
        var output = new float[3072];
        var tops = new HashSet<int>();
        var lefts = new HashSet<int>();
        int flips = 0;
        const int draws = 400;
        for (int s = 0; s < draws; s++)
        {
            var random = new SampleRandom(seed: 11, offset: 0, first: s * RandomCropFlip.WordsPerSample);
            var (top, left, flip) = aug.Draw(random);
            aug.Apply(image, 3, 32, 32, Normalization.Cifar, random, output);
            Assert.That(output, Is.EqualTo(NaiveCropFlip(image, top, left, flip)), $"draw {s}: top {top} left {left} flip {flip}");
            tops.Add(top);
            lefts.Add(left);
            flips += flip ? 1 : 0;
        }
        Assert.That(tops, Is.EquivalentTo(Enumerable.Range(0, 9)));
        Assert.That(lefts, Is.EquivalentTo(Enumerable.Range(0, 9)));
        Assert.That(flips, Is.InRange(draws * 4 / 10, draws * 6 / 10));
    }

    [Test]
    public void AugmentationIsDeterminedBySeedAndPosition()
    {
        var raw = new ImageSet("colour", 3, 32, 32, 10, [.. ColourImage(1), .. ColourImage(2)], [0, 1]);
        var train = DaflPreprocessing.CifarTrain(raw);
        Assert.That(train.RandomWordsPerSample, Is.EqualTo(RandomCropFlip.WordsPerSample));
        float[] Sample(ulong seed, long first)
        {
            var dst = new float[3072];
            train.WriteSample(1, new SampleRandom(seed, 5, first), dst);
            return dst;
        }
        var reference = Sample(42, 9);
        Assert.That(Sample(42, 9), Is.EqualTo(reference));
        int differing = Enumerable.Range(0, 20).Count(k => !reference.SequenceEqual(Sample((ulong)(100 + k), 9)));
        Assert.That(differing, Is.GreaterThan(15), "other seeds should almost always give another crop or flip");
    }

    [Test]
    public void CifarTestPipelineOnlyNormalises()
    {
        var image = ColourImage(3);
        var raw = new ImageSet("colour", 3, 32, 32, 10, image, [4]);
        var test = DaflPreprocessing.CifarTest(raw);
        Assert.That(test.RandomWordsPerSample, Is.EqualTo(0));
        var dst = new float[3072];
        test.WriteSample(0, default, dst);
        for (int p = 0; p < 3072; p += 97)
            Assert.That(dst[p], Is.EqualTo(Normalization.Cifar.Table(p / 1024)[image[p]]));
    }
}
