using System.Runtime.InteropServices;
using DafL.Native;

namespace DafL.Tests.Support;

/// <summary>
/// The mock GPU's controls (cuda/mock, built by <c>dotnet pwsh build.ps1 mockgpu</c>), for the tests that provoke
/// its faults. It is in use when the CUDA driver that loaded is the mock's: its one device is named
/// "DafL mock GPU (sm_90)". Fault injection reaches the mock through functions its libcuda.so.1 exports (a .NET
/// process cannot change the C environment the mock reads at start-up) and, for cuDNN, through the C
/// environment itself (<c>setenv</c>), which the mock cuDNN reads when a handle is created. The mock says what it
/// found on the process's stderr, one "mock GPU: …" line a fault, which <see cref="StderrOf"/> collects.
/// </summary>
public static unsafe partial class MockGpu
{
    const string NamePrefix = "DafL mock GPU";
    const int StandardError = 2;

    /// <summary>True when CUDA runs on the mock GPU.</summary>
    public static bool IsActive => Cuda.IsAvailable && CudaDevice.Get(0).Name.StartsWith(NamePrefix, StringComparison.Ordinal);

    /// <summary>Skips the test, with the reason, unless CUDA runs on the mock GPU.</summary>
    public static void Require() =>
        Skip.Unless(IsActive, Cuda.IsAvailable ? $"CUDA runs on {CudaDevice.Get(0).Name}, not on the mock GPU: fault injection needs the mock"
            : $"CUDA is not available ({Cuda.UnavailableReason}): build the mock GPU (dotnet pwsh build.ps1 mockgpu) and source .mockgpu/env.sh");

    /// <summary>The <paramref name="n"/>-th call of <paramref name="kind"/> ("alloc": cuMemAlloc, "launch": cuLaunchKernel) from now fails; 0 turns it off.</summary>
    public static void Inject(string kind, long n)
    {
        var inject = (delegate* unmanaged<byte*, long, void>)Export("mockgpu_inject");
        byte[] name = System.Text.Encoding.ASCII.GetBytes(kind + "\0");
        fixed (byte* p = name) inject(p, n);
    }

    /// <summary>
    /// How many times each export of <paramref name="functions"/> (cuDNN, cuBLAS or driver entry points, by name) is
    /// called while <paramref name="action"/> runs: what reached the libraries, not what the backend meant to send.
    /// </summary>
    public static long[] CallsDuring(Action action, params string[] functions)
    {
        var count = (delegate* unmanaged<int, void>)Export("mockgpu_count_calls");
        var read = (delegate* unmanaged<byte*, long>)Export("mockgpu_call_count");
        count(1);
        try
        {
            action();
            return [.. functions.Select(f =>
            {
                byte[] name = System.Text.Encoding.ASCII.GetBytes(f + "\0");
                fixed (byte* p = name) return read(p);
            })];
        }
        finally
        {
            count(0);
        }
    }

    /// <summary>Clears the sticky error a provoked fault left, as re-creating the context would.</summary>
    public static void ClearStickyError() => ((delegate* unmanaged<void>)Export("mockgpu_clear_sticky_error"))();

    /// <summary>
    /// Holds <paramref name="stream"/> (nothing more queued on it starts) or releases it: work that is queued but not
    /// yet run, deterministically, as a GPU busy elsewhere may leave it. Whatever waits for that work, a
    /// synchronisation included, waits until the release, so release it in a finally.
    /// </summary>
    public static void HoldStream(CudaStream stream, bool hold)
    {
        var call = (delegate* unmanaged<nint, int, int>)Export("mockgpu_hold_stream");
        int status = call(stream.Handle, hold ? 1 : 0);
        if (status != 0) throw new InvalidOperationException($"mockgpu_hold_stream({stream.Handle:x}, {hold}) returned CUresult {status}.");
    }

    /// <summary>
    /// What native code wrote to the process's stderr (file descriptor 2) while <paramref name="action"/> ran: the
    /// mock's "mock GPU: …" lines. The descriptor is pointed at a temporary file and restored afterwards.
    /// </summary>
    public static string StderrOf(Action action)
    {
        string path = Path.GetTempFileName();
        try
        {
            using (var file = new FileStream(path, FileMode.Truncate, FileAccess.Write))
            {
                int saved = dup(StandardError);
                if (saved < 0) throw new InvalidOperationException($"dup(2) failed with errno {Marshal.GetLastPInvokeError()}.");
                try
                {
                    if (dup2((int)file.SafeFileHandle.DangerousGetHandle(), StandardError) < 0)
                        throw new InvalidOperationException($"dup2 onto stderr failed with errno {Marshal.GetLastPInvokeError()}.");
                    action();
                }
                finally
                {
                    dup2(saved, StandardError);
                    close(saved);
                }
            }
            return File.ReadAllText(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Sets (or, with null, removes) a variable of the process's C environment, which the mock reads.</summary>
    public static void SetNativeEnvironment(string name, string? value)
    {
        int status = value is null ? unsetenv(name) : setenv(name, value, 1);
        if (status != 0) throw new InvalidOperationException($"setenv({name}) failed with errno {Marshal.GetLastPInvokeError()}.");
    }

    static nint Export(string symbol)
    {
        Require();
        string path = Environment.GetEnvironmentVariable("DAFL_CUDA_DRIVER")
            ?? throw new InvalidOperationException("DAFL_CUDA_DRIVER does not name the mock's libcuda.so.1.");
        nint handle = NativeLibrary.Load(path); // the copy already loaded: the loader counts references
        try
        {
            return NativeLibrary.GetExport(handle, symbol);
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int unsetenv(string name);

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int dup(int descriptor);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int dup2(int descriptor, int target);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int close(int descriptor);
}
