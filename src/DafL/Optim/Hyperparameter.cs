using System.Globalization;

namespace DafL.Optim;

/// <summary>
/// PyTorch holds hyperparameters as Python floats (doubles) and does its scalar arithmetic (1 − β, lr / (1 − βᵗ),
/// schedules) in double. Our settings arrive as float32, so 0.9f would widen to 0.89999998 and make 1 − β1 differ
/// from PyTorch's in the last bits. This recovers the value the user wrote: the shortest decimal that rounds to the
/// float, read as a double (0.9f → 0.9), so that every step matches torch.optim given the same numbers.
/// </summary>
internal static class Hyperparameter
{
    public static double AsWritten(float value) =>
        double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
