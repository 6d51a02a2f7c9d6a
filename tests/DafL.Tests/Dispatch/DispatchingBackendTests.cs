using System.Reflection;
using DafL.Backends;
using DafL.Backends.Conformance;
using DafL.Backends.Dispatch;
using DafL.Tests.Support;

namespace DafL.Tests.Dispatch;

/// <summary>
/// The generated <see cref="DispatchingBackend"/>: every <see cref="IBackend"/> method, driven by the parity cases
/// (one or more calls of each, with real inputs), reaches the observer with its name and the outputs its
/// [Output] marks name, read here by reflection so that a new method cannot be missed.
/// </summary>
public class DispatchingBackendTests : LeakCheckedTest
{
    /// <summary>What an observer saw of one call: copies, since a <see cref="KernelCall"/> lives only during the call.</summary>
    sealed record Seen(string Kernel, IBackend Backend, Tensor?[] Tensors, Tensor?[] Outputs);

    /// <summary>Records every call, and checks that the kernel wrote no tensor it does not mark as an output.</summary>
    sealed class Recorder : IKernelObserver
    {
        readonly Stack<float[]?[]> _before = new();
        public List<Seen> Calls { get; } = [];
        public List<string> UnmarkedWrites { get; } = [];

        public bool Before(in KernelCall call)
        {
            Calls.Add(new Seen(call.Kernel, call.Backend, call.Tensors.ToArray(), call.Outputs.ToArray()));
            _before.Push([.. ReadOnlyInputs(call).Select(t => t?.ToArray())]);
            return true;
        }

        public void After(in KernelCall call)
        {
            var before = _before.Pop();
            var inputs = ReadOnlyInputs(call);
            for (int i = 0; i < inputs.Length; i++)
                if (before[i] is { } values && !values.Select(BitConverter.SingleToInt32Bits).SequenceEqual(inputs[i]!.ToArray().Select(BitConverter.SingleToInt32Bits)))
                    UnmarkedWrites.Add($"{call.Kernel}: tensor argument {Array.IndexOf(call.Tensors.ToArray(), inputs[i])}");
        }

        /// <summary>The tensor arguments that are not outputs and share no memory with one (an in-place call passes one tensor twice).</summary>
        static Tensor?[] ReadOnlyInputs(in KernelCall call)
        {
            var outputs = call.Outputs.ToArray();
            return [.. call.Tensors.ToArray().Where(t => t is not null && !outputs.Any(o => o is not null && ReferenceEquals(o.Storage, t!.Storage)))];
        }
    }

    static readonly string[] NotKernels = [nameof(IBackend.Synchronize), nameof(IBackend.Allocate)];

    static IEnumerable<MethodInfo> BackendMethods() => typeof(IBackend).GetMethods().Where(m => !m.IsSpecialName);

    /// <summary>Runs the body of every parity case on the CPU through a decorator watched by <paramref name="observer"/>.</summary>
    static void RunEveryCase(IKernelObserver observer)
    {
        var side = new ParitySide(new DispatchingBackend(Backend.Cpu, observer), Device.Cpu);
        foreach (var (c, i) in ParityCases.All(ParitySizes.Tiny, tf32: false).Select((c, i) => (c, i)))
        {
            using var run = new OpRun(side, BackendParity.Seed(i));
            c.Body(run);
        }
    }

    [Test]
    public void EveryKernelReachesTheObserverWithItsNameAndItsOutputs()
    {
        var recorder = new Recorder();
        RunEveryCase(recorder);

        var kernels = BackendMethods().Select(m => m.Name).Except(NotKernels);
        Assert.That(recorder.Calls.Select(c => c.Kernel).Distinct(), Is.EquivalentTo(kernels));
        foreach (var call in recorder.Calls)
        {
            var parameters = typeof(IBackend).GetMethod(call.Kernel)!.GetParameters();
            var lists = parameters.Where(p => p.ParameterType == typeof(Tensor[])).ToArray();
            if (lists.Length > 0)
            {
                // A multi-tensor kernel (its lists equally long, no single tensors): each list's elements in place.
                int perList = call.Tensors.Length / lists.Length;
                Assert.That(perList * lists.Length, Is.EqualTo(call.Tensors.Length), call.Kernel);
                var listed = lists.SelectMany((p, k) => p.IsDefined(typeof(OutputAttribute)) ? call.Tensors.ToArray().Skip(k * perList).Take(perList) : []);
                Assert.That(call.Outputs.ToArray(), Is.EqualTo(listed).Using<Tensor?>(ReferenceEquals), $"{call.Kernel}: the outputs its [Output] lists name");
                continue;
            }
            var tensors = parameters.Where(p => p.ParameterType == typeof(Tensor)).ToArray();
            Assert.That(call.Tensors, Has.Length.EqualTo(tensors.Length), call.Kernel);
            var expected = tensors.Select((p, i) => (p, i)).Where(x => x.p.IsDefined(typeof(OutputAttribute))).Select(x => call.Tensors[x.i]);
            Assert.That(call.Outputs, Is.EqualTo(expected).Using<Tensor?>(ReferenceEquals), $"{call.Kernel}: the outputs its [Output] parameters name");
            Assert.That(call.Backend, Is.SameAs(Backend.Cpu));
        }
        Assert.That(recorder.UnmarkedWrites, Is.Empty, "kernels that wrote a tensor not marked [Output] in IBackend");
    }

    [Test]
    public void SynchronizeAllocateAndNameAreForwardedUnobserved()
    {
        var recorder = new Recorder();
        var backend = new DispatchingBackend(Backend.Cpu, recorder);
        backend.Synchronize();
        var storage = backend.Allocate(4);
        Assert.That(storage.Length, Is.EqualTo(4));
        storage.Release();
        Assert.That(backend.Name, Is.EqualTo(Backend.Cpu.Name));
        Assert.That(recorder.Calls, Is.Empty);
    }

    sealed class Refusing(bool skip) : IKernelObserver
    {
        public int After { get; private set; }
        public bool Before(in KernelCall call) => skip ? false : throw new InvalidOperationException($"no {call.Kernel}");
        void IKernelObserver.After(in KernelCall call) => After++;
    }

    [Test]
    public void AnObserverCanSkipAKernelOrFailIt()
    {
        using var y = Tensor.FromArray([7f, 7f], 2);
        var skipping = new Refusing(skip: true);
        new DispatchingBackend(Backend.Cpu, skipping).Fill(y, 1f);
        Assert.That(y.ToArray(), Is.EqualTo(new[] { 7f, 7f }), "a skipped kernel leaves its outputs as they were");
        Assert.That(skipping.After, Is.Zero);

        var failing = new Refusing(skip: false);
        Assert.That(() => new DispatchingBackend(Backend.Cpu, failing).Fill(y, 1f), Throws.InvalidOperationException.With.Message.EqualTo("no Fill"));
        Assert.That(y.ToArray(), Is.EqualTo(new[] { 7f, 7f }));
    }

    sealed class Silent : IKernelObserver
    {
        public bool Before(in KernelCall call) => true;
        public void After(in KernelCall call) { }
    }

    [Test]
    public void ObservingAKernelAllocatesNothing()
    {
        using var x = Tensor.FromArray([1f, -2f, 3f, -4f], 4);
        using var y = Tensor.FromArray([0f, 0f, 0f, 0f], 4);
        var backend = new DispatchingBackend(Backend.Cpu, new Silent());
        long Allocated(IBackend b)
        {
            for (int i = 0; i < 100; i++) b.LeakyRelu(x, y, 0.5f); // warm up
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++) b.LeakyRelu(x, y, 0.5f);
            return GC.GetAllocatedBytesForCurrentThread() - start;
        }
        Assert.That(Allocated(backend), Is.LessThanOrEqualTo(Allocated(Backend.Cpu)));
    }

    [Test]
    public void TheCounterCountsEveryKernelByName()
    {
        var counter = new KernelCounter();
        RunEveryCase(counter);
        var cases = ParityCases.All(ParitySizes.Tiny, tf32: false);
        Assert.That(counter.Counts.Keys, Is.EquivalentTo(BackendMethods().Select(m => m.Name).Except(NotKernels)));
        foreach (var method in cases.Select(c => c.Method).Distinct().Except(NotKernels))
            Assert.That(counter[method], Is.GreaterThanOrEqualTo(cases.Count(c => c.Method == method)), method);
        Assert.That(counter["NoSuchKernel"], Is.Zero);
    }

    [Test]
    public void TheCounterCountsEachCall()
    {
        using var x = Tensor.FromArray([1f, -2f], 2);
        using var y = Tensor.FromArray([0f, 0f], 2);
        var counter = new KernelCounter();
        var backend = new DispatchingBackend(Backend.Cpu, counter);
        backend.Tanh(x, y);
        backend.Tanh(y, y);
        backend.LeakyRelu(x, y, 0f);
        Assert.That(counter.Counts, Is.EquivalentTo(new Dictionary<string, long> { ["Tanh"] = 2, ["LeakyRelu"] = 1 }));
    }
}
