namespace DafL.Backends.Conformance;

/// <summary>
/// Runs every <see cref="Backends.IBackend"/> method on a reference backend (the CPU) and a candidate (any registered backend) with
/// the same random inputs, and reports how far the candidate's outputs are from the reference's
/// (<see cref="ParityCases"/> lists the calls). A case whose candidate throws fails with the exception's message;
/// nothing throws out of <see cref="Run"/>.
/// </summary>
public static class BackendParity
{
    /// <summary>
    /// Every case of <see cref="ParityCases.All"/> at <paramref name="sizes"/>, in order; <paramref name="onRow"/> sees
    /// each row as soon as it is known (for progress output).
    /// </summary>
    public static IReadOnlyList<ParityRow> Run(ParitySide reference, ParitySide candidate, ParitySizes sizes, bool tf32 = false,
        Action<ParityRow>? onRow = null)
    {
        var cases = ParityCases.All(sizes, tf32);
        var rows = new List<ParityRow>(cases.Count);
        for (int i = 0; i < cases.Count; i++)
        {
            var row = RunCase(cases[i], reference, candidate, Seed(i));
            rows.Add(row);
            onRow?.Invoke(row);
        }
        return rows;
    }

    /// <summary>The seed of the inputs of case <paramref name="index"/> of <see cref="ParityCases.All"/>, so that a run of one case draws what <see cref="Run"/> does.</summary>
    public static ulong Seed(int index) => 1000 + (ulong)index;

    /// <summary>One case on both sides with inputs drawn from <paramref name="seed"/>.</summary>
    public static ParityRow RunCase(ParityCase c, ParitySide reference, ParitySide candidate, ulong seed)
    {
        var expected = Outputs(c.Reference ?? c.Body, reference, seed, out string? referenceFailure);
        if (referenceFailure != null) return Failed(c, $"the reference failed: {referenceFailure}");
        var actual = Outputs(c.Body, candidate, seed, out string? candidateFailure);
        if (candidateFailure != null) return Failed(c, $"the candidate failed: {candidateFailure}");
        if (actual.Count != expected.Count) return Failed(c, $"the candidate read {actual.Count} outputs, the reference {expected.Count}");

        var worst = new ParityError(0, 0);
        string worstName = expected.Count == 1 ? "" : expected[0].Name;
        for (int o = 0; o < expected.Count; o++)
        {
            var error = ParityError.Of(actual[o].Values, expected[o].Values);
            if (error.Relative > worst.Relative || double.IsNaN(error.Relative))
            {
                worst = error;
                if (expected.Count > 1) worstName = expected[o].Name;
            }
        }
        bool pass = worst.Relative <= c.Tolerance.Relative; // false for NaN
        string note = worstName.Length == 0 || worst.MaxAbs == 0 ? "" : $"worst: {worstName}";
        return new ParityRow(c.Method, c.Case, c.Shape, worst.MaxAbs, worst.Relative, c.Tolerance.Relative, pass, note);
    }

    static IReadOnlyList<(string Name, float[] Values)> Outputs(Action<OpRun> body, ParitySide side, ulong seed, out string? failure)
    {
        using var run = new OpRun(side, seed);
        try
        {
            body(run);
            failure = null;
            return run.Outputs;
        }
        catch (Exception e)
        {
            failure = $"{e.GetType().Name}: {e.Message}";
            return [];
        }
    }

    static ParityRow Failed(ParityCase c, string why) =>
        new(c.Method, c.Case, c.Shape, double.PositiveInfinity, double.PositiveInfinity, c.Tolerance.Relative, false, why);
}
