using DafL.Backends;
using DafL.Backends.Cuda;
using DafL.Errors;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests;

/// <summary>
/// A backend that is neither the CPU nor CUDA plugs in by name through the public registry alone, as a third
/// assembly would (no InternalsVisibleTo): registered, created on first use, chosen by --device and read from a
/// config, intercepted like the others, and unregistered again. The stand-in backend is the CPU backend registered
/// under a new name; the registry, not the backend, is under test. The registration is process-wide: each test puts
/// back what it found.
/// </summary>
[NonParallelizable]
public class BackendRegistryTests : LeakCheckedTest
{
    const string Name = "loopback";
    static readonly Device Loopback = new(Name);
    Func<IBackend>? _previousLoopback, _previousCuda;
    int _starts;

    [SetUp]
    public void RememberRegistrations() => (_previousLoopback, _previousCuda, _starts) =
        (Backend.Register(Name, null), Backend.Register(CudaDeviceName.Name, null), 0);

    [TearDown]
    public void RestoreRegistrations()
    {
        Backend.Register(Name, _previousLoopback);
        Backend.Register(CudaDeviceName.Name, _previousCuda);
    }

    void RegisterLoopback() => Backend.Register(Name, () =>
    {
        _starts++;
        return Backend.Cpu;
    });

    [Test]
    public void ARegisteredBackendIsCreatedOnFirstUseOnceAndServesTensors()
    {
        Assert.That(Backend.Registered, Does.Not.Contain(Name));
        RegisterLoopback();
        Assert.That(_starts, Is.Zero, "registering creates nothing");
        Assert.That(Backend.Registered, Is.EqualTo(new[] { "cpu", Name }));
        using (var t = Tensor.Full([3], 2.5f, Loopback))
            Assert.That(t.ToArray(), Is.EqualTo(new[] { 2.5f, 2.5f, 2.5f }));
        Assert.That(Backend.For(Loopback), Is.SameAs(Backend.Cpu));
        Assert.That(Backend.TryGet(Device.Parse("LoopBack"), out var backend, out string reason), Is.True);
        Assert.That((backend, reason), Is.EqualTo((Backend.Cpu, "")));
        Assert.That(_starts, Is.EqualTo(1), "the backend is created once");
    }

    [Test]
    public void AnUnregisteredNameSaysSoAndRegisterHandsBackWhatItReplaced()
    {
        Assert.That(Backend.TryGet(Loopback, out var none, out string reason), Is.False);
        Assert.That((none, reason), Is.EqualTo(((IBackend?)null, "no LOOPBACK backend is registered in this process (reference the assembly that provides it and call its registration).")));
        Assert.That(() => Tensor.Zeros([1], Loopback), Throws.InvalidOperationException.With.Message.StartsWith("The LOOPBACK backend is not available: no LOOPBACK backend"));
        Func<IBackend> first = () => Backend.Cpu;
        Assert.That(Backend.Register(Name, first), Is.Null);
        Assert.That(Backend.Register(Name, null), Is.SameAs(first));
        Assert.That(Backend.Registered, Does.Not.Contain(Name));
    }

    [Test]
    public void AFactoryThatFailsIsAskedOnceAndItsMessageIsTheReasonUntilRegisteredAgain()
    {
        Backend.Register(Name, () =>
        {
            _starts++;
            throw new InvalidOperationException("no loopback device in this test");
        });
        Assert.That(Backend.TryGet(Loopback, out _, out string reason), Is.False);
        Assert.That(() => Backend.For(Loopback), Throws.InvalidOperationException.With.Message.EqualTo("The LOOPBACK backend is not available: no loopback device in this test"));
        Assert.That((_starts, reason), Is.EqualTo((1, "no loopback device in this test")), "a failure is remembered, not retried");
        RegisterLoopback();
        Assert.That(Backend.TryGet(Loopback, out _, out _), Is.True, "registering again starts over");
    }

    [Test]
    public void TheCpuCannotBeReplacedAndNamesMustBeWords()
    {
        Assert.That(() => Backend.Register("CPU", () => Backend.Cpu), Throws.ArgumentException.With.Message.Contains("built in"));
        Assert.That(() => Backend.Register("cuda:0", () => Backend.Cpu), Throws.ArgumentException.With.Message.Contains("'cuda:0'"));
        Assert.That(Backend.TryGet(Device.Cpu, out var cpu, out _) && ReferenceEquals(cpu, Backend.Cpu), Is.True);
    }

    [Test]
    public void TheInterceptorSeesARegisteredBackendStartedBeforeOrAfterIt()
    {
        RegisterLoopback();
        _ = Backend.For(Loopback); // started before
        var wrapped = new List<IBackend>();
        Backend.Intercept(inner =>
        {
            wrapped.Add(inner);
            return inner;
        });
        try
        {
            Assert.That(wrapped, Has.Count.EqualTo(2), "the CPU backend and loopback");
            RegisterLoopback(); // a fresh factory: the next use starts it under the interceptor
            _ = Backend.For(Loopback);
            Assert.That(wrapped, Has.Count.EqualTo(3));
            Assert.That(() => Backend.Intercept(inner => inner), Throws.InvalidOperationException, "one interceptor at a time");
        }
        finally
        {
            Backend.StopIntercepting();
        }
    }

    [Test]
    public void DeviceChoiceAndConfigsTakeARegisteredName()
    {
        Assert.That(() => DeviceChoice.Resolve(Name), Throws.ArgumentException.With.Message.Contains("cpu, cuda, auto"));
        RegisterLoopback();
        Assert.That(DeviceChoice.Names, Is.EqualTo(new[] { "cpu", "cuda", Name, "auto" }));
        Assert.That(DeviceChoice.Resolve("LOOPBACK"), Is.EqualTo(new DeviceChoice(Loopback, null)));
        // With CUDA unregistered, auto takes the first backend besides the CPU that starts.
        Assert.That(DeviceChoice.Resolve("auto"), Is.EqualTo(new DeviceChoice(Loopback, null)));
        string json = (DistillPresets.Get("mnist-quick") with { RunId = RunIds.New(), Device = Loopback }).ToJson();
        Assert.That(json, Does.Contain("\"device\": \"loopback\""));
        Assert.That(DistillConfig.FromJson(json, "test").Device, Is.EqualTo(Loopback));
        Backend.Register(Name, null);
        Assert.That(Assert.Throws<InputException>(() => DistillConfig.FromJson(json, "test"))!.Problem,
            Is.EqualTo(new InputProblem("test", "device", "one of cpu, cuda", "\"loopback\"")));
    }
}
