namespace DafL.Native;

/// <summary>
/// Whether this process can use a CUDA device, decided once: <c>libcuda.so.1</c> loads and exports what the
/// bindings need, <c>cuInit(0)</c> succeeds, and the driver reports at least one device. A machine without a
/// driver or a GPU gets <see cref="IsAvailable"/> = false and a <see cref="UnavailableReason"/> that says which
/// step failed — never an exception.
/// </summary>
public static unsafe class Cuda
{
    static readonly BoundLibrary<DriverApi> Library = new(CudaLibrary.Driver, e => new DriverApi(e));
    static readonly Lazy<Probe> State = new(ProbeDriver, LazyThreadSafetyMode.ExecutionAndPublication);

    readonly record struct Probe(string Reason, int DriverVersion, int DeviceCount)
    {
        public bool Available => Reason.Length == 0;
    }

    /// <summary>True when CUDA can be used: the driver loaded, initialised and reported a device.</summary>
    public static bool IsAvailable => State.Value.Available;

    /// <summary>Why CUDA cannot be used (which library or call failed, and how); empty when it can.</summary>
    public static string UnavailableReason => State.Value.Reason;

    /// <summary>The driver's CUDA version as 1000·major + 10·minor (13000 for a CUDA 13.0 driver).</summary>
    public static int DriverVersion => Require().DriverVersion;

    /// <summary>The number of CUDA devices.</summary>
    public static int DeviceCount => Require().DeviceCount;

    /// <summary>The driver's function table; throws <see cref="InvalidOperationException"/> with the reason when unavailable.</summary>
    internal static DriverApi Api
    {
        get
        {
            Require();
            return Library.Api;
        }
    }

    /// <summary>The function table if the driver was loaded, without loading it (for naming statuses).</summary>
    internal static DriverApi? LoadedApi => Library.IfLoaded;

    static Probe Require() =>
        State.Value is { Available: true } probe ? probe : throw new InvalidOperationException($"CUDA is not available: {State.Value.Reason}");

    static Probe ProbeDriver()
    {
        try
        {
            if (!Library.IsAvailable) return new Probe(Library.UnavailableReason, 0, 0);
            var api = Library.Api;
            int status = api.cuInit(0);
            if (status == DriverStatus.NoDevice) return new Probe($"the CUDA driver found no device: cuInit(0) returned {DriverStatus.Text(status)}", 0, 0);
            if (status != DriverStatus.Success) return new Probe($"cuInit(0) failed: {DriverStatus.Text(status)}", 0, 0);
            int version, count;
            status = api.cuDriverGetVersion(&version);
            if (status != DriverStatus.Success) return new Probe($"cuDriverGetVersion failed: {DriverStatus.Text(status)}", 0, 0);
            status = api.cuDeviceGetCount(&count);
            if (status != DriverStatus.Success) return new Probe($"cuDeviceGetCount failed: {DriverStatus.Text(status)}", 0, 0);
            if (count == 0) return new Probe($"the CUDA driver (version {version}) reports no devices", version, 0);
            return new Probe("", version, count);
        }
        catch (Exception e)
        {
            return new Probe($"probing the CUDA driver failed: {e.GetType().Name}: {e.Message}", 0, 0);
        }
    }
}
