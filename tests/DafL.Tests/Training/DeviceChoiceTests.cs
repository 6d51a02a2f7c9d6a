using DafL.Backends;
using DafL.Backends.Cuda;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Training;

/// <summary>
/// --device cpu | cuda | auto against each state of the process's CUDA registration: none, a backend that fails to
/// start, and a working one (the real <see cref="CudaBackend"/>, on the mock GPU in CI). The registration is
/// global: it is swapped per test and put back after, which disposes a backend the test started.
/// </summary>
[NonParallelizable]
public class DeviceChoiceTests
{
    Func<IBackend>? _previous;
    int _starts;

    [SetUp]
    public void RememberRegistration() => (_previous, _starts) = (Backend.Register(CudaDeviceName.Name, null), 0);

    [TearDown]
    public void RestoreRegistration() => Backend.Register(CudaDeviceName.Name, _previous);

    void RegisterFailing() => Backend.Register(CudaDeviceName.Name, () =>
    {
        _starts++;
        throw new DllNotFoundException("libcuda.so.1 was not found (no NVIDIA driver)");
    });

    void RegisterWorking() => Backend.Register(CudaDeviceName.Name, () =>
    {
        _starts++;
        return new CudaBackend();
    });

    [Test]
    public void CpuNeverAsksForCuda()
    {
        RegisterFailing();
        Assert.That(DeviceChoice.Resolve("cpu"), Is.EqualTo(new DeviceChoice(Device.Cpu, null)));
        Assert.That(_starts, Is.Zero);
    }

    [Test]
    public void CudaWithoutARegisteredBackendIsAnErrorThatSaysWhy()
    {
        var e = Assert.Throws<InvalidOperationException>(() => DeviceChoice.Resolve("cuda"))!;
        Assert.That(e.Message, Does.Contain("'cuda'").And.Contain("no CUDA backend is registered"));
    }

    [Test]
    public void CudaThatFailsToStartIsAnErrorWithTheBackendsReason()
    {
        RegisterFailing();
        var e = Assert.Throws<InvalidOperationException>(() => DeviceChoice.Resolve("CUDA"))!;
        Assert.That(e.Message, Does.Contain("libcuda.so.1 was not found"));
    }

    [Test]
    public void AutoFallsBackToTheCpuWithANoteThatSaysWhy()
    {
        RegisterFailing();
        var choice = DeviceChoice.Resolve("auto");
        Assert.That(choice.Device, Is.EqualTo(Device.Cpu));
        Assert.That(choice.Note, Does.Contain("CUDA is not available").And.Contain("libcuda.so.1 was not found").And.Contain("CPU"));
        Assert.That(DeviceChoice.Resolve("auto").Device, Is.EqualTo(Device.Cpu));
        Assert.That(_starts, Is.EqualTo(1), "a failed start is remembered, not retried");
    }

    [Test]
    public void CudaAndAutoTakeAWorkingBackend()
    {
        RegisterWorking();
        Skip.Unless(Backend.TryGet(Device.Cuda, out _, out var reason), $"the CUDA backend cannot start: {reason}");
        Assert.That(DeviceChoice.Resolve("cuda"), Is.EqualTo(new DeviceChoice(Device.Cuda, null)));
        Assert.That(DeviceChoice.Resolve("Auto"), Is.EqualTo(new DeviceChoice(Device.Cuda, null)));
        Assert.That(_starts, Is.EqualTo(1), "the backend is created once");
    }

    [Test]
    public void AnUnknownDeviceNamesTheChoices()
    {
        var e = Assert.Throws<ArgumentException>(() => DeviceChoice.Resolve("gpu"))!;
        Assert.That(e.Message, Does.Contain("'gpu'").And.Contain("cpu, cuda, auto"));
    }

    static IEnumerable<TestCaseData> NamedDevices() => [new(Device.Cpu, "cpu"), new(Device.Cuda, "cuda")];

    [TestCaseSource(nameof(NamedDevices))]
    public void DevicesAreNamedAsTheOptionSpellsThem(Device device, string name) =>
        Assert.That(DeviceChoice.NameOf(device), Is.EqualTo(name));

    [Test]
    public void ConfigsWriteTheDeviceAsTheOptionSpellsItAndReadAnyCase()
    {
        Assert.That((DistillPresets.Get("mnist-quick") with { Device = Device.Cuda }).ToJson(), Does.Contain("\"device\": \"cuda\""));
        Assert.That(new TeacherConfig { Device = Device.Cuda }.ToJson(), Does.Contain("\"device\": \"cuda\""));
        Assert.That(new TeacherConfig().ToJson(), Does.Contain("\"device\": \"cpu\""));
        string json = (DistillPresets.Get("mnist-quick") with { RunId = RunIds.New() }).ToJson();
        DistillConfig WithDevice(string word) => DistillConfig.FromJson(json.Replace("\"device\": \"cpu\"", $"\"device\": {word}"), "test");
        Assert.That(WithDevice("\"Cuda\"").Device, Is.EqualTo(Device.Cuda));
        Assert.That(WithDevice("\"CPU\"").Device, Is.EqualTo(Device.Cpu));
        foreach (var bad in new[] { "\"tpu\"", "\"auto\"", "1", "\"1\"", "\"cpu, cuda\"", "null" })
            Assert.That(Assert.Throws<global::DafL.Errors.InputException>(() => WithDevice(bad))!.Problem, Is.EqualTo(new global::DafL.Errors.InputProblem("test", "device", "one of cpu, cuda", bad)), bad);
    }
}
