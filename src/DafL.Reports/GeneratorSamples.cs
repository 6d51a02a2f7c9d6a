using DafL.Autograd;
using DafL.Models;
using DafL.Training;
using static DafL.Ops.Functional;

namespace DafL.Reports;

/// <summary>A grid of a run's generated images, each labelled with the teacher's class (<c>dafl sample</c> and the report).</summary>
/// <param name="Png">The grid as a PNG file's bytes (<see cref="SampleGrid"/>).</param>
/// <param name="Labels">The teacher's class of each image, in the grid's order.</param>
public sealed record GeneratorSamples(byte[] Png, int[] Labels)
{
    /// <summary>
    /// Draws <paramref name="count"/> images from the generator file <paramref name="generatorPath"/> of a run made
    /// with <paramref name="config"/> (on <paramref name="device"/>, whatever device the run trained on), the latent
    /// noise from <paramref name="seed"/>, and labels them with the teacher at <paramref name="teacherPath"/>.
    /// </summary>
    public static GeneratorSamples Draw(DistillConfig config, string generatorPath, string teacherPath, int count, ulong seed, Device device)
    {
        using var generator = new DaflGenerator(config.LatentDim, config.ImageSize, config.Channels, SeedStreams.For(0, "sample-load"), config.GeneratorWidth);
        Checkpoint.LoadModel(generatorPath, generator);
        generator.To(device);
        using var teacher = ModelCatalog.LoadTeacher(teacherPath, config).Model;
        teacher.To(device);
        using var scope = TensorScope.Begin();
        using var _ = GradMode.NoGrad();
        // The generator stays in train mode, as in training: its BNs normalise with the batch's statistics.
        var images = generator.Forward(Tensor.Randn([count, config.LatentDim], SeedStreams.For(seed, "sample-noise"), device));
        var labels = Argmax(teacher.Forward(images).Logits, 1).ToArray().Select(v => (int)v).ToArray();
        // Map each image to [0, 1] by its own range: the generator's output is normalised, not a pixel range.
        var data = images.ToArray();
        int size = (int)(images.Numel / count);
        for (int i = 0; i < count; i++)
        {
            var tile = data.AsSpan(i * size, size);
            float lo = float.MaxValue, hi = float.MinValue;
            foreach (var v in tile) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            for (int k = 0; k < size; k++) tile[k] = hi > lo ? (tile[k] - lo) / (hi - lo) : 0f;
        }
        return new GeneratorSamples(SampleGrid.Encode(Tensor.FromArray(data, images.Shape), labels), labels);
    }
}
