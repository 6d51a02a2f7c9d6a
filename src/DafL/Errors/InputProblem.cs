namespace DafL.Errors;

/// <summary>
/// One thing wrong with what the user gave, in the four parts a user needs to fix it: where (a file or an option),
/// which part of it (a field, a tensor, a header entry; empty when the option itself is wrong), what was expected
/// and what was found.
/// </summary>
public sealed record InputProblem(string Source, string Field, string Expected, string Found)
{
    public override string ToString() =>
        Field.Length == 0 ? $"{Source}: expected {Expected}, found {Found}" : $"{Source}: {Field}: expected {Expected}, found {Found}";
}
