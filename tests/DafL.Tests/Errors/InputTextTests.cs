using DafL.Errors;

namespace DafL.Tests.Errors;

public class InputTextTests
{
    [Test]
    public void ShowKeepsTextFromAFileOnOneShortLine()
    {
        Assert.That(InputText.Show("conv1.weight"), Is.EqualTo("conv1.weight"));
        Assert.That(InputText.Show(""), Is.EqualTo("an empty value"));
        Assert.That(InputText.Show("a\nb\r\tc\u001b\u2028"), Is.EqualTo(@"a\nb\r\tc\u001B\u2028"));
        Assert.That(InputText.Show(new string('x', 1000), 10), Is.EqualTo("xxxxxxxxxx… (1,000 characters)"));
    }

    [Test]
    public void ListNamesTheFirstFiveAndCountsTheRest()
    {
        Assert.That(InputText.List(["a", "b"]), Is.EqualTo("a, b"));
        Assert.That(InputText.List(["1", "2", "3", "4", "5"]), Is.EqualTo("1, 2, 3, 4, 5"));
        Assert.That(InputText.List(Enumerable.Range(1, 12).Select(i => $"k{i}").ToList()), Is.EqualTo("k1, k2, k3, k4, k5 … and 7 more"));
    }
}
