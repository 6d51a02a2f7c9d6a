namespace DafL.Cli;

/// <summary>
/// What <c>dafl</c>'s exit status says, so that a script can tell a mistake in its own input from a failure of the
/// run and from a bug. Bad input is 2, as for a usage error of a Unix tool; an internal error is 70 (sysexits'
/// EX_SOFTWARE).
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The run could not go on: the device would not start, the training diverged, a write failed.</summary>
    public const int RunFailed = 1;
    /// <summary>An option, a file or a setting the user gave is wrong; the message says which, and what was expected.</summary>
    public const int BadInput = 2;
    /// <summary>A bug in DafL.Native; the message says how to report it.</summary>
    public const int Internal = 70;
}
