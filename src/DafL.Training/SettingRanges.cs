namespace DafL.Training;

/// <summary>
/// The one table of what every numeric setting accepts. The command line's readers refuse a value outside it as
/// soon as the option is parsed; <see cref="DistillConfig.Validate"/> and <see cref="TeacherConfig.Validate"/> check
/// the same ranges on a config however it was made (presets, code, a run's config.json). The bounds are generous
/// for real use and small enough that the products sizing an allocation or a step count are checked in
/// <see cref="long"/> without overflow (see the limits at the end).
/// </summary>
public static class SettingRanges
{
    /// <summary>
    /// Images per DAFL iteration or per teacher batch: batch norm needs two samples. 65536 is 64 times the official
    /// CIFAR batch; the widest feature map at that batch is checked separately (<see cref="MostImagesPerBatch"/>).
    /// </summary>
    public static readonly WholeRange Batch = new(2, 65536);

    /// <summary>DAFL epochs (0 runs none: a resume that only saves, or a check of the folder).</summary>
    public static readonly WholeRange Epochs = new(0, 1_000_000);

    /// <summary>Iterations per DAFL epoch; epochs × iterations must also fit a step count (<see cref="MostIterationsPerEpoch"/>).</summary>
    public static readonly WholeRange Iterations = new(1, 1_000_000);

    /// <summary>The generator's latent size (official: 100 MNIST, 1000 CIFAR).</summary>
    public static readonly WholeRange Latent = new(1, 65536);

    /// <summary>The generator's width: even, as its second block has half of it (official: 128).</summary>
    public static readonly WholeRange GeneratorWidth = new(2, 4096, Step: 2);

    /// <summary>An epoch at which a learning rate is cut: any epoch a run may reach, including after a longer resume.</summary>
    public static readonly WholeRange Milestone = Epochs;

    /// <summary>
    /// Teacher epochs. Fewer than DAFL's: a teacher epoch is up to 30,000 steps (60,000 images at batch 2), and
    /// 10,000 of them keep the optimiser's 32-bit step count from overflowing (official: 9 MNIST, 199 CIFAR).
    /// </summary>
    public static readonly WholeRange TeacherEpochs = new(0, 10_000);

    /// <summary>
    /// A teacher's batch: ResNet-34's first feature maps hold 64 × 32 × 32 values per image, and 16384 images keep
    /// them within <see cref="TensorElements"/> (official: 256 MNIST, 128 CIFAR).
    /// </summary>
    public static readonly WholeRange TeacherBatch = new(2, 16384);

    /// <summary>The side of the generated images, a multiple of 4 as the generator upsamples twice (every dataset here: 32).</summary>
    public static readonly WholeRange ImageSize = new(4, 256, Step: 4);

    /// <summary>Images in a <c>dafl sample</c> grid.</summary>
    public static readonly WholeRange SampleCount = new(1, 4096);

    /// <summary><c>dafl doctor --batch</c>: the parity inputs and the DAFL steps of the official MNIST preset (width 128).</summary>
    public static readonly WholeRange DoctorBatch = new(2, 4096);

    /// <summary><c>dafl doctor --steps</c>: DAFL iterations compared (each runs on both backends).</summary>
    public static readonly WholeRange DoctorSteps = new(0, 1000);

    /// <summary><c>dafl profile --warmup</c>.</summary>
    public static readonly WholeRange ProfileWarmup = new(0, 100_000);

    /// <summary><c>dafl profile --steps</c>: at least one, the time per step divides by it.</summary>
    public static readonly WholeRange ProfileSteps = new(1, 100_000);

    /// <summary><c>dafl profile --top</c>: rows of the kernel table.</summary>
    public static readonly WholeRange ProfileTop = new(1, 10_000);

    /// <summary>
    /// Every learning rate (Adam or SGD). Above 0 (0 trains nothing) and at most 10: 50 times the largest official
    /// rate (the generator's 0.2), far beyond any useful step, while a rate like 1e30 turns the first update's
    /// weights into infinities.
    /// </summary>
    public static readonly RealRange LearningRate = new("a learning rate", 0, false, 10, true);

    /// <summary>The weights of the DAFL loss terms (oh, ie, a): 0 turns a term off; 1e6 is 50,000 times the largest official one (20).</summary>
    public static readonly RealRange LossWeight = new("a weight", 0, true, 1e6, true);

    /// <summary>The decay of the student's weight average per step: 0 is off, 1 would never move.</summary>
    public static readonly RealRange AverageDecay = new("a decay", 0, true, 1, false);

    /// <summary>SGD momentum: at 1 or above the velocity never decays.</summary>
    public static readonly RealRange Momentum = new("a momentum", 0, true, 1, false);

    /// <summary>L2 weight decay: 1 is 2000 times the official 5e-4.</summary>
    public static readonly RealRange WeightDecay = new("a weight decay", 0, true, 1, true);

    /// <summary>The largest seed: every 64-bit value is a seed.</summary>
    public const string SeedExpected = "a whole number from 0 to 18446744073709551615";

    /// <summary>
    /// The most elements of one tensor: kernels and spans index a tensor with <see cref="int"/> (Tensor's strides are
    /// int, <c>Span&lt;float&gt;</c> is int-indexed), so a larger one cannot be made, whatever the memory.
    /// </summary>
    public const long TensorElements = int.MaxValue;

    /// <summary>
    /// The channels of the widest full-resolution feature map of any model in <see cref="ModelCatalog"/>: ResNet's
    /// 64-channel stem (LeNet-5's is 6). The generator's last block may be wider (its width).
    /// </summary>
    public const int WidestModelChannels = 64;

    /// <summary>The largest step count: optimisers and schedules count steps in <see cref="int"/>.</summary>
    public const long StepCount = int.MaxValue;

    /// <summary>
    /// The most images a DAFL batch (or a sample grid) may have for this generator: its last block's map, and the
    /// student's and teacher's widest map, are batch × max(width, 64) × side² elements. Factors in their ranges.
    /// </summary>
    public static long MostImagesPerBatch(int generatorWidth, int imageSize) =>
        TensorElements / ((long)Math.Max(generatorWidth, WidestModelChannels) * imageSize * imageSize);

    /// <summary>The largest latent size for a batch: the noise is batch × latent, the generator's first weight latent × width × (side/4)².</summary>
    public static long MostLatent(int batch, int generatorWidth, int imageSize) =>
        Math.Min(TensorElements / batch, TensorElements / ((long)generatorWidth * (imageSize / 4) * (imageSize / 4)));

    /// <summary>The most iterations per epoch for <paramref name="epochs"/> epochs within <see cref="StepCount"/>.</summary>
    public static long MostIterationsPerEpoch(int epochs) => StepCount / Math.Max(epochs, 1);
}
