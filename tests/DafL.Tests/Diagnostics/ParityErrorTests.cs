using DafL.Backends.Conformance;

namespace DafL.Tests.Diagnostics;

public class ParityErrorTests
{
    [Test]
    public void RelativeErrorIsTheWorstDifferenceOverTheReferencesScale()
    {
        var e = ParityError.Of([1f, -3.5f, 2f], [1f, -4f, 2.25f]);
        Assert.That(e.MaxAbs, Is.EqualTo(0.5));
        Assert.That(e.Relative, Is.EqualTo(0.5 / 4));
    }

    [Test]
    public void AnAllZeroReferenceGivesTheAbsoluteError() =>
        Assert.That(ParityError.Of([0f, 1e-3f], [0f, 0f]).Relative, Is.EqualTo((double)1e-3f));

    [Test]
    public void NaNOnBothSidesAgreesAndOnOneSideIsInfinitelyFar()
    {
        Assert.That(ParityError.Of([float.NaN, 1f], [float.NaN, 1f]), Is.EqualTo(new ParityError(0, 0)));
        Assert.That(ParityError.Of([float.NaN, 1f], [0f, 1f]).Relative, Is.EqualTo(double.PositiveInfinity));
        Assert.That(ParityError.Of([0f, 1f], [float.NaN, 1f]).Relative, Is.EqualTo(double.PositiveInfinity));
        Assert.That(ParityError.Of([float.PositiveInfinity], [float.NegativeInfinity]).MaxAbs, Is.EqualTo(double.PositiveInfinity));
    }

    [Test]
    public void DifferentLengthsAreInfinitelyFar() =>
        Assert.That(ParityError.Of([1f, 2f], [1f]).MaxAbs, Is.EqualTo(double.PositiveInfinity));
}
