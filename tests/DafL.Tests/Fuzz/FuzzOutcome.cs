using System.Text.RegularExpressions;
using DafL.Cli;
using DafL.Tests.Support;

namespace DafL.Tests.Fuzz;

/// <summary>What one mutated input did to a command, as issue 11 counts it.</summary>
public enum FuzzOutcome
{
    /// <summary>Exit 2 with exactly one line "error: where: field: expected …, found …".</summary>
    ClearError,
    /// <summary>Exit 0 with the same result as the unmutated input: the mutation changed nothing that matters.</summary>
    Identical,
    /// <summary>Exit 0 on an input that an independent check calls valid (a changed pixel is a different image, not a fault).</summary>
    ValidInputAccepted,
    /// <summary>An exception escaped the command, or an internal error (exit 70).</summary>
    Crash,
    /// <summary>An error without the four parts, on more than one line, or with another exit code.</summary>
    Unclear,
    /// <summary>Exit 0 with a different result on an input that is not valid.</summary>
    SilentlyAccepted,
    /// <summary>An error on an input that an independent check calls valid.</summary>
    ValidInputRefused,
}

public static partial class FuzzOutcomes
{
    public static bool IsGood(FuzzOutcome o) => o is FuzzOutcome.ClearError or FuzzOutcome.Identical or FuzzOutcome.ValidInputAccepted;

    /// <summary>"error: " then a where, optionally a field, and "expected …, found …".</summary>
    [GeneratedRegex(@"^error: \S.*: expected .+, found .+$")]
    private static partial Regex ClearLine();

    /// <summary>Whether a failed run's error stream is one clear line with the bad-input exit code.</summary>
    public static bool IsClearError(InProcessCli.Result r) =>
        r.ExitCode == ExitCodes.BadInput && r.ErrorLines is [var line] && ClearLine().IsMatch(line);

    /// <summary>
    /// Classifies a run. <paramref name="sameResult"/> says whether a successful run's result equals the unmutated
    /// input's; <paramref name="inputValid"/> is the independent verdict on the input: false, it must be refused; true,
    /// it must be accepted; null, not known, so it is either refused clearly or gives the identical result.
    /// </summary>
    public static FuzzOutcome Classify(InProcessCli.Result r, Func<bool> sameResult, bool? inputValid = null)
    {
        if (r.ExitCode is InProcessCli.Escaped or ExitCodes.Internal) return FuzzOutcome.Crash;
        if (r.ExitCode != 0)
        {
            if (inputValid == true) return FuzzOutcome.ValidInputRefused;
            return IsClearError(r) ? FuzzOutcome.ClearError : FuzzOutcome.Unclear;
        }
        if (inputValid == false) return FuzzOutcome.SilentlyAccepted;
        if (sameResult()) return FuzzOutcome.Identical;
        return inputValid == true ? FuzzOutcome.ValidInputAccepted : FuzzOutcome.SilentlyAccepted;
    }
}
