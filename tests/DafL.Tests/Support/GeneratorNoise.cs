namespace DafL.Tests.Support;

/// <summary>
/// The DAFL generator's state that rounding noise alone decides, left out when two libraries' or two backends'
/// generators are compared after training steps.
/// </summary>
public static class GeneratorNoise
{
    /// <summary>
    /// The biases of the two convolutions that feed a training-mode BatchNorm have a gradient of exactly 0 in exact
    /// arithmetic (the BN subtracts any per-channel shift), so each implementation produces rounding noise there,
    /// which Adam's first step normalises to ±lr: their values are arbitrary and have no effect on any output. They,
    /// and the running means of the BNs they feed (which add them in), are these state-dict keys. l1's bias is not
    /// among them: it has one value per channel and position, and the BN cancels only its per-channel mean.
    /// </summary>
    public static readonly IReadOnlySet<string> Keys = new HashSet<string>
    {
        "conv_blocks1.0.bias", "conv_blocks2.0.bias", "conv_blocks1.1.running_mean", "conv_blocks2.1.running_mean",
    };

    /// <summary><paramref name="state"/> without <see cref="Keys"/>.</summary>
    public static IEnumerable<(string Name, float[] Values)> Without(IEnumerable<(string Name, float[] Values)> state) =>
        state.Where(t => !Keys.Contains(t.Name));
}
