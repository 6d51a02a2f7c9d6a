namespace DafL.Tests.Support;

/// <summary>Marks a test as skipped, with its reason, when what it needs (a GPU, a library) is absent — never passed.</summary>
public static class Skip
{
    public static void Unless(bool available, string reason)
    {
        if (!available) Assert.Ignore(reason);
    }
}
