using DafL.Tests.Support;
using DafL.Backends.Cuda.Kernels;
using DafL.Native;

namespace DafL.Tests.Native;

/// <summary>The driver bindings on a real device: facts, memory, kernels, events, graphs, threads.</summary>
public unsafe class DriverDeviceTests : DeviceTestBase
{
    [Test]
    public void DeviceFactsAreSensible()
    {
        var device = Context.Device;
        var (major, minor) = device.ComputeCapability;
        TestContext.Out.WriteLine($"{device.Name}: sm_{major}{minor}, {device.MultiprocessorCount} SMs, {device.TotalMemoryBytes / (1 << 20)} MiB, driver {Cuda.DriverVersion}, {Cuda.DeviceCount} device(s)");
        Assert.That(device.Name, Is.Not.Empty);
        Assert.That(major, Is.GreaterThanOrEqualTo(5));
        Assert.That(device.Architecture, Is.EqualTo($"sm_{major}{minor}"));
        Assert.That(device.MultiprocessorCount, Is.GreaterThan(0));
        Assert.That(device.TotalMemoryBytes, Is.GreaterThan(1L << 30));
        Assert.That(device.GetAttribute(DeviceAttribute.WarpSize), Is.EqualTo(32));
        var (free, total) = Context.MemoryInfo();
        Assert.That(free, Is.InRange(1L, total));
    }

    [Test]
    public void MemoryRoundTripsAndFills()
    {
        float[] values = RandomValues(1000, 1);
        var a = Upload(values);
        var b = Allocate(values.Length);
        Context.CopyDeviceToDevice(b, a, values.Length * sizeof(float));
        Assert.That(Download(b, values.Length), Is.EqualTo(values));

        var stream = CudaStream.Create(Context);
        using (stream)
        {
            Context.Fill32Async(b.Offset(100 * sizeof(float)), BitConverter.SingleToUInt32Bits(2.5f), 50, stream);
            stream.Synchronize();
        }
        var filled = Download(b, values.Length);
        Assert.That(filled[99], Is.EqualTo(values[99]));
        Assert.That(filled[100..150], Is.All.EqualTo(2.5f));
        Assert.That(filled[150], Is.EqualTo(values[150]));
    }

    [Test]
    public void AsyncCopiesOnAStream()
    {
        float[] values = RandomValues(257, 2);
        var device = Allocate(values.Length);
        var back = new float[values.Length];
        using var stream = CudaStream.Create(Context);
        fixed (float* source = values)
        fixed (float* destination = back)
        {
            Context.CopyToDeviceAsync(device, source, values.Length * sizeof(float), stream);
            Context.CopyToHostAsync(destination, device, values.Length * sizeof(float), stream);
            stream.Synchronize();
        }
        Assert.That(back, Is.EqualTo(values));
    }

    [Test]
    public void CompiledKernelRunsAndEventsTimeIt()
    {
        using var module = LoadKernels();
        var scale = module.GetFunction(Kernel.Affine);
        float[] x = RandomValues(1000, 3);
        var xd = Upload(x);
        var yd = Allocate(x.Length);
        using var stream = CudaStream.Create(Context);
        using var start = CudaEvent.Create(Context);
        using var end = CudaEvent.Create(Context);

        ulong xa = xd.Address, ya = yd.Address;
        long n = x.Length;
        float a = -3f, b = 0f;
        void** slots = stackalloc void*[5];
        var arguments = AffineArguments(slots, &xa, &ya, &n, &a, &b);
        var host = System.Diagnostics.Stopwatch.StartNew();
        start.Record(stream);
        scale.Launch(new Dim3((uint)((n + 255) / 256)), new Dim3(256), 0, stream, arguments);
        end.Record(stream);
        end.Synchronize();
        double hostMs = host.Elapsed.TotalMilliseconds;

        Assert.That(Download(yd, (int)n), Is.EqualTo(x.Select(v => -3f * v).ToArray()));
        // The events time the work between them, in milliseconds: not more than the host waited for it, and the
        // other way round the same span negated.
        float elapsed = CudaEvent.ElapsedMilliseconds(start, end);
        Assert.That(elapsed, Is.InRange(0f, (float)hostMs), "the launch's time, within what the host waited");
        Assert.That(CudaEvent.ElapsedMilliseconds(end, start), Is.EqualTo(-elapsed).Within(1e-3f), "end to start is the span negated");
    }

    [Test]
    public void AStreamWaitsForAnEventRecordedOnAnother()
    {
        float[] values = RandomValues(300, 31);
        var source = Upload(new float[values.Length]);
        var target = Allocate(values.Length);
        using var producer = CudaStream.Create(Context);
        using var consumer = CudaStream.Create(Context);
        using var done = CudaEvent.Create(Context);
        var staged = Upload(values);
        // On the mock the producer is held until the consumer's work is queued, so without the wait the consumer
        // would copy the zeros first, every time.
        bool hold = MockGpu.IsActive;
        if (hold) MockGpu.HoldStream(producer, true);
        try
        {
            Context.CopyDeviceToDeviceAsync(source, staged, values.Length * sizeof(float), producer);
            done.Record(producer);
            consumer.Wait(done);
            Context.CopyDeviceToDeviceAsync(target, source, values.Length * sizeof(float), consumer);
        }
        finally
        {
            if (hold) MockGpu.HoldStream(producer, false);
        }
        consumer.Synchronize();
        Assert.That(Download(target, values.Length), Is.EqualTo(values));
    }

    [Test]
    public void CapturedGraphReplays()
    {
        using var module = LoadKernels();
        var addOne = module.GetFunction(Kernel.Affine);
        var y = Upload(new float[300]);
        using var stream = CudaStream.Create(Context);
        ulong ya = y.Address;
        long n = 300;
        float one = 1f;
        void** slots = stackalloc void*[5];
        var arguments = AffineArguments(slots, &ya, &ya, &n, &one, &one);

        stream.BeginCapture();
        addOne.Launch(new Dim3(2), new Dim3(256), 0, stream, arguments);
        using var graph = stream.EndCapture();
        Assert.That(Download(y, (int)n), Is.All.EqualTo(0f), "capturing does not run the work");

        using var exec = graph.Instantiate();
        exec.Launch(stream);
        exec.Launch(stream);
        stream.Synchronize();
        Assert.That(Download(y, (int)n), Is.All.EqualTo(2f));
    }

    [Test]
    public void TheContextIsMadeCurrentOnOtherThreads()
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var pointer = Context.Allocate(1024);
                Context.Free(pointer);
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        Assert.That(failure, Is.Null, failure?.ToString());
    }

    [Test]
    public void DriverErrorsAreNamed()
    {
        var e = Assert.Throws<CudaException>(() => Context.Allocate(long.MaxValue / 2))!;
        Assert.That(e.StatusName, Is.EqualTo("CUDA_ERROR_OUT_OF_MEMORY"));
        Assert.That(e.Message, Does.Contain("cuMemAlloc_v2").And.Contain("(2)"));
    }

    [Test]
    public void LaunchWithAZeroGridIsRejectedBeforeTheDriver()
    {
        using var module = LoadKernels();
        var affine = module.GetFunction(Kernel.Affine);
        using var stream = CudaStream.Create(Context);
        Assert.That(() => affine.Launch(new Dim3(0), new Dim3(256), 0, stream, null), Throws.ArgumentException.With.Message.Contains(Kernel.Affine));
        Assert.That(() => module.GetFunction("no_such_kernel"), Throws.TypeOf<CudaException>().With.Message.Contains("CUDA_ERROR_NOT_FOUND"));
    }
}
