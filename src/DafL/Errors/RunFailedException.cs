namespace DafL.Errors;

/// <summary>
/// A run that could not go on for a reason outside the program and outside the user's options: the device would not
/// start, the training diverged, the disk is full. The message says what happened and what was kept; the CLI prints it
/// as one line and exits with its run-failed code.
/// </summary>
public class RunFailedException(string message, Exception? inner = null) : Exception(message, inner);
