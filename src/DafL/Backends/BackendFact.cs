namespace DafL.Backends;

/// <summary>
/// One part a backend needs (a library, a device), as this machine has it: <paramref name="Detail"/> is its version
/// or description when <paramref name="Available"/>, else why it is missing. <c>dafl doctor</c> prints them per backend.
/// </summary>
public sealed record BackendFact(string Name, bool Available, string Detail);
