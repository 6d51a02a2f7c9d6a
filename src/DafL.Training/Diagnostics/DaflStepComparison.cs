using System.Diagnostics;
using DafL.Random;

namespace DafL.Training.Diagnostics;

/// <summary>
/// A few DAFL iterations on two distillers built from the same config and seed (one per backend), fed the same
/// latent batches, with the losses side by side. Each step after the first starts the candidate from the
/// reference's state after the step before (<see cref="DaflDistiller.CopyTrainingStateFrom"/>), so every row holds
/// one step's difference, forward, backward and optimizer update: run freely, DAFL's steps amplify a one-ulp
/// difference about tenfold a step (measured on the mock GPU and on two CPU runs; docs/GPU.md), and a later row
/// would say nothing about the backend.
/// </summary>
public static class DaflStepComparison
{
    /// <summary>Relative difference allowed between the two sides' losses: fp32 sums in another order, or TF32 products.</summary>
    public static double Tolerance(bool tf32) => tf32 ? 1e-2 : 1e-3;

    /// <summary>
    /// Runs <paramref name="steps"/> iterations on both distillers with latent batches (<paramref name="batch"/>,
    /// latent) drawn from <paramref name="seed"/> on the host and copied to each distiller's device. A step that
    /// throws on the candidate ends the comparison with a failed row carrying NaN losses and the exception's message.
    /// </summary>
    public static IReadOnlyList<StepComparisonRow> Run(DaflDistiller reference, DaflDistiller candidate, int batch, int steps,
        double tolerance, ulong seed = 1)
    {
        var noise = new Philox(seed);
        var rows = new List<StepComparisonRow>(steps);
        for (int step = 1; step <= steps; step++)
        {
            using var z = Tensor.Randn([batch, reference.Generator.LatentDim], noise); // (B, latent) on the host
            if (step > 1) candidate.CopyTrainingStateFrom(reference);
            var (expected, referenceMs) = TimedStep(reference, z);
            StepLosses actual;
            double candidateMs;
            try
            {
                (actual, candidateMs) = TimedStep(candidate, z);
            }
            catch (Exception e) // a diagnosis reports any failure of the backend under test (a CudaException, say)
            {
                var nan = new StepLosses(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
                rows.Add(new StepComparisonRow(step, expected, nan, double.PositiveInfinity, tolerance, false, referenceMs, double.NaN,
                    $"{e.GetType().Name}: {e.Message}"));
                break;
            }
            double difference = RelativeDifference(expected, actual);
            rows.Add(new StepComparisonRow(step, expected, actual, difference, tolerance, difference <= tolerance, referenceMs, candidateMs));
        }
        return rows;
    }

    /// <summary>The device a distiller's student lives on (its generator and teacher must be there too).</summary>
    public static Device DeviceOf(DaflDistiller distiller) => distiller.Student.Parameters().First().Device;

    static (StepLosses Losses, double Ms) TimedStep(DaflDistiller distiller, Tensor hostZ)
    {
        using var z = hostZ.To(DeviceOf(distiller));
        var clock = Stopwatch.StartNew();
        var losses = distiller.Step(z); // reads the losses back, so the device has finished
        return (losses, clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>The largest |candidate − reference| / max(|reference|, 1e-3) over the five losses; ∞ when one side is not finite.</summary>
    static double RelativeDifference(StepLosses reference, StepLosses candidate)
    {
        double[] r = [reference.Total, reference.OneHot, reference.InformationEntropy, reference.Activation, reference.Kd];
        double[] c = [candidate.Total, candidate.OneHot, candidate.InformationEntropy, candidate.Activation, candidate.Kd];
        double worst = 0;
        for (int i = 0; i < r.Length; i++)
            worst = Math.Max(worst, double.IsFinite(r[i]) && double.IsFinite(c[i])
                ? Math.Abs(c[i] - r[i]) / Math.Max(Math.Abs(r[i]), 1e-3)
                : double.PositiveInfinity);
        return worst;
    }
}
