using DafL.Backends.Cuda;

namespace DafL.Tests;

/// <summary><see cref="Device"/> is a name with value equality, the CPU its default, so it can stand where the enum stood.</summary>
public class DeviceNameTests
{
    [Test]
    public void TheDefaultIsTheCpuAndNamesCompareInAnyCase()
    {
        Assert.That(default(Device), Is.EqualTo(Device.Cpu));
        Assert.That(new Device("CPU") == Device.Cpu && default(Device).IsCpu, Is.True);
        Assert.That(Device.Parse("Cuda"), Is.EqualTo(Device.Cuda));
        Assert.That(Device.Cuda != Device.Cpu, Is.True);
        Assert.That(new Device("cpu").GetHashCode(), Is.EqualTo(default(Device).GetHashCode()));
        Assert.That(new HashSet<Device> { Device.Cpu, default, Device.Cuda, Device.Parse("CUDA") }, Has.Count.EqualTo(2));
    }

    [Test]
    public void NameIsTheWordConfigsUseAndToStringReadsAsTheEnumDid()
    {
        Assert.That((Device.Cpu.Name, Device.Cuda.Name, new Device("Loop_2").Name), Is.EqualTo(("cpu", "cuda", "loop_2")));
        Assert.That((Device.Cpu.ToString(), Device.Cuda.ToString()), Is.EqualTo(("Cpu", "Cuda")));
    }

    [TestCase("")]
    [TestCase("cuda:0")]
    [TestCase("2gpu")]
    [TestCase("my device")]
    public void ANameIsALetterThenLettersDigitsOrUnderscores(string name) =>
        Assert.That(() => new Device(name), Throws.ArgumentException.With.Message.Contains($"'{name}'"));
}
