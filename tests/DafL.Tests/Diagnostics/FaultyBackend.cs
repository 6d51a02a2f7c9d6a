using DafL.Backends;
using DafL.Backends.Dispatch;

namespace DafL.Tests.Diagnostics;

/// <summary>What <see cref="FaultyBackend"/> does wrong in its one faulty method.</summary>
public enum Fault
{
    /// <summary>
    /// Runs the kernel, then moves the first element of every output far from its value, further on each call (so a
    /// repeated call differs too); a NaN there becomes a number.
    /// </summary>
    Perturb,
    /// <summary>Returns without running the kernel, leaving the outputs unwritten.</summary>
    Skip,
    /// <summary>Throws, as a device error would.</summary>
    Throw,
}

/// <summary>
/// The CPU backend with one method made wrong on purpose, to show that the parity harness flags exactly that
/// method: the CPU seen through the generated <see cref="DispatchingBackend"/>, whose observer breaks the one
/// method. The host copies, allocation and synchronisation are never faulty: the harness itself moves data with them.
/// </summary>
public static class FaultyBackend
{
    /// <summary>The CPU backend with <paramref name="method"/> (one of <see cref="FaultableMethods"/>) doing <paramref name="fault"/>.</summary>
    public static IBackend Create(string method, Fault fault)
    {
        if (!FaultableMethods().Contains(method)) throw new ArgumentException($"{method} is not a method a fault can be put in.", nameof(method));
        return new DispatchingBackend(Backend.Cpu, new Injector(method, fault));
    }

    /// <summary>The methods a fault can be put in: every IBackend method except the ones the harness moves data with.</summary>
    public static IEnumerable<string> FaultableMethods() =>
        typeof(IBackend).GetMethods().Where(m => !m.IsSpecialName).Select(m => m.Name)
            .Except([nameof(IBackend.Synchronize), nameof(IBackend.Allocate), nameof(IBackend.CopyFromHost), nameof(IBackend.CopyToHost)])
            .Distinct().Order();

    sealed unsafe class Injector(string method, Fault fault) : IKernelObserver
    {
        int _faultyCalls;

        public bool Before(in KernelCall call) => call.Kernel != method || fault switch
        {
            Fault.Throw => throw new InvalidOperationException($"{call.Kernel} failed on purpose"),
            Fault.Skip => false,
            _ => true,
        };

        public void After(in KernelCall call)
        {
            if (call.Kernel != method) return;
            _faultyCalls++;
            foreach (var t in call.Outputs)
            {
                if (t == null) continue;
                float scale = t.ToArray().Where(float.IsFinite).Select(MathF.Abs).DefaultIfEmpty(0).Max();
                float first = float.IsNaN(t.Ptr[0]) ? 0 : t.Ptr[0];
                t.Ptr[0] = first + (1 + 2 * scale) * _faultyCalls; // further than any tolerance from the right value
            }
        }
    }
}
