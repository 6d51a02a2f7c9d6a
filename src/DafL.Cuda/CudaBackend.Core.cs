using DafL.Backends;
using DafL.Backends.Cuda.Kernels;
using DafL.Backends.Cuda.Memory;
using DafL.Memory;
using DafL.Native;

namespace DafL.Backends.Cuda;

/// <summary>
/// The CUDA backend: every <see cref="IBackend"/> kernel on one NVIDIA GPU. Elementwise ops, reductions, softmax
/// and losses, pooling, optimizers and random fills are the kernels of <c>cuda/*.cu</c> (compiled by NVRTC on
/// first use); matrix products are cuBLAS SGEMM; convolutions and batch norm are cuDNN. All work is queued on one
/// non-blocking stream, so ops return before the GPU has finished, results come back in order, and
/// <see cref="CopyToHost"/> (and so <c>Item()</c>, <c>ToArray()</c>) waits for everything queued before it.
/// Device memory comes from a caching <see cref="CudaAllocator"/>. One file per op family, like the CPU backend.
/// Ops are meant to be called from one thread at a time (a training loop: the plan caches are not locked);
/// tensors may be disposed on any thread.
/// </summary>
public sealed unsafe partial class CudaBackend : IBackend, IDisposable
{
    readonly CudaContext _context;
    readonly CudaStream _stream;
    readonly CudaKernels _kernels;
    readonly CublasHandle _cublas;
    readonly CudnnHandle _cudnn;
    bool _disposed;

    /// <summary>The device memory cache (its counters say what is live and cached).</summary>
    public CudaAllocator Allocator { get; }
    public CudaBackendOptions Options { get; }
    /// <summary>The device's product name, e.g. "NVIDIA H200".</summary>
    public string DeviceName { get; }
    /// <summary>The architecture kernels are compiled for, e.g. <c>sm_90</c>.</summary>
    public string Architecture { get; }

    public string Name => "cuda";

    /// <summary>
    /// Starts the backend on <see cref="CudaBackendOptions.DeviceOrdinal"/>. Throws <see cref="InvalidOperationException"/>
    /// naming every missing piece (driver or device, cuBLAS, cuDNN, NVRTC) and why, when one is missing.
    /// </summary>
    public CudaBackend(CudaBackendOptions? options = null)
    {
        Options = options ?? new CudaBackendOptions();
        ThrowIfUnavailable();
        var device = CudaDevice.Get(Options.DeviceOrdinal);
        _context = CudaContext.RetainPrimary(device);
        try
        {
            _stream = CudaStream.Create(_context, nonBlocking: true);
        }
        catch
        {
            _context.Dispose();
            throw;
        }
        // From here the allocator owns the context and the stream, and releases them once no block is live.
        Allocator = new CudaAllocator(new DriverDeviceMemory(_context, _stream));
        try
        {
            DeviceName = device.Name;
            Architecture = device.Architecture;
            _kernels = new CudaKernels(_context, _stream, Architecture, device.MultiprocessorCount, new KernelCompiler(Options.KernelCacheDirectory));
            _cublas = CublasHandle.Create(_context);
            _cublas.SetStream(_stream);
            _cublas.SetMathMode(Options.AllowTf32 ? CublasMathMode.Tf32TensorOp : CublasMathMode.Default);
            _cudnn = CudnnHandle.Create(_context);
            _cudnn.SetStream(_stream);
        }
        catch
        {
            _cublas?.Dispose();
            Allocator.Close();
            throw;
        }
    }

    static void ThrowIfUnavailable()
    {
        if (CudaStack.Missing() is { } missing) throw new InvalidOperationException(missing);
    }

    public void Synchronize() => _stream.Synchronize();

    public Storage Allocate(long floats) => new CudaStorage(Allocator, floats);

    public void Fill(Tensor dst, float value) =>
        _kernels.LaunchGridStride(Kernel.Fill, dst.Numel, Address(dst, nameof(Fill)), dst.Numel, value);

    /// <summary>
    /// Queues the upload on the compute stream. The source is ordinary (pageable) host memory, which the driver
    /// stages before the call returns, so the span may change afterwards; the stream keeps the copy in order with
    /// the kernels around it.
    /// </summary>
    public void CopyFromHost(ReadOnlySpan<float> src, Tensor dst)
    {
        var d = Address(dst, nameof(CopyFromHost));
        if (src.Length != dst.Numel)
            throw new ArgumentException($"CopyFromHost: {src.Length} values for a tensor {Tensor.ShapeString(dst.Shape)} of {dst.Numel} elements.");
        if (src.IsEmpty) return;
        fixed (float* s = src) _context.CopyToDeviceAsync(d, s, src.Length * (long)sizeof(float), _stream);
    }

    /// <summary>Device→host copies so far: each one waits for the stream, so a training step should make one.</summary>
    public long HostReads => Interlocked.Read(ref _hostReads);
    long _hostReads;

    /// <summary>Waits for every kernel queued before it, then copies: the values are the ops' results.</summary>
    public void CopyToHost(Tensor src, Span<float> dst)
    {
        Interlocked.Increment(ref _hostReads);
        var s = Address(src, nameof(CopyToHost));
        if (dst.Length < src.Numel)
            throw new ArgumentException($"CopyToHost: {dst.Length} floats of room for a tensor {Tensor.ShapeString(src.Shape)} of {src.Numel} elements.");
        if (src.Numel > 0)
            fixed (float* d = dst) _context.CopyToHostAsync(d, s, src.Numel * sizeof(float), _stream);
        _stream.Synchronize();
    }

    public void CopyStrided(Tensor src, Tensor dst)
    {
        if (!src.Shape.AsSpan().SequenceEqual(dst.Shape))
            throw new ArgumentException($"CopyStrided: source {Tensor.ShapeString(src.Shape)} and destination {Tensor.ShapeString(dst.Shape)} differ in shape.");
        var s = StridedAddress(src, nameof(CopyStrided));
        var d = StridedAddress(dst, nameof(CopyStrided));
        if (src.Numel == 0) return;
        if (src.IsContiguous && dst.IsContiguous)
        {
            _context.CopyDeviceToDeviceAsync(d, s, src.Numel * sizeof(float), _stream);
            return;
        }
        var layout = DeviceLayouts.StridedCopy(nameof(CopyStrided), src, dst);
        _kernels.LaunchGridStride(Kernel.CopyStrided, src.Numel, s, d, KernelArgument.Struct(&layout));
    }

    public void FillUniform(Tensor dst, ulong seed, ulong offset) =>
        _kernels.LaunchGridStride(Kernel.PhiloxUniform, (dst.Numel + 3) / 4, Address(dst, nameof(FillUniform)), dst.Numel, seed, offset);

    public void FillNormal(Tensor dst, ulong seed, ulong offset) =>
        _kernels.LaunchGridStride(Kernel.PhiloxNormal, (dst.Numel + 3) / 4, Address(dst, nameof(FillNormal)), dst.Numel, seed, offset);

    public void AddInPlace(Tensor dst, Tensor src)
    {
        SameElementCount(nameof(AddInPlace), dst, src);
        _kernels.LaunchGridStride(Kernel.AddInPlace, dst.Numel, Address(dst, nameof(AddInPlace)), Address(src, nameof(AddInPlace)), dst.Numel);
    }

    /// <summary>
    /// Returns the convolution workspace and the batch-norm constants to the allocator, then frees every cached
    /// block on the device (after the queued work), e.g. to leave memory to another process.
    /// </summary>
    public void Trim()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ReleaseConvolutionWorkspace();
        ReleaseNormConstants();
        Allocator.Trim();
    }

    /// <summary>
    /// Waits for the queued work and releases everything the backend holds. Tensors still alive keep their blocks;
    /// each is freed when its tensor is disposed, and the device context goes with the last one.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stream.Synchronize();
        ReleaseConvolutionWorkspace();
        DisposeConvolutionPlans();
        ReleaseNormConstants();
        DisposeNormDescriptors();
        _kernels.Dispose();
        _cudnn.Dispose();
        _cublas.Dispose();
        Allocator.Close();
    }

    // ---------------------------------------------------------------- arguments

    /// <summary>The device address of a contiguous tensor's first element, or an error naming the op.</summary>
    DevicePointer Address(Tensor t, string op)
    {
        var pointer = StridedAddress(t, op);
        if (!t.IsContiguous)
            throw new ArgumentException($"{op}: tensor {Tensor.ShapeString(t.Shape)} with strides {Tensor.ShapeString(t.Strides)} is not contiguous; the CUDA kernels take contiguous tensors.");
        return pointer;
    }

    /// <summary>As <see cref="Address(Tensor, string)"/>, or the null address (a nullable kernel argument) for no tensor.</summary>
    DevicePointer OptionalAddress(Tensor? t, string op) => t is null ? DevicePointer.Null : Address(t, op);

    /// <summary>The device address of a tensor's first element (storage + Offset floats), any strides.</summary>
    DevicePointer StridedAddress(Tensor t, string op)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (t.Storage is not CudaStorage storage)
            throw new ArgumentException($"{op}: tensor {Tensor.ShapeString(t.Shape)} is on {t.Device}; the CUDA backend takes tensors on {Device.Cuda}.");
        if (storage.Allocator != Allocator)
            throw new ArgumentException($"{op}: tensor {Tensor.ShapeString(t.Shape)} belongs to another CUDA backend (one that was replaced or disposed).");
        return storage.Pointer.Offset(t.Offset * sizeof(float));
    }

    static void SameElementCount(string op, Tensor a, Tensor b)
    {
        if (a.Numel != b.Numel)
            throw new ArgumentException($"{op}: tensors {Tensor.ShapeString(a.Shape)} and {Tensor.ShapeString(b.Shape)} differ in element count.");
    }

    /// <summary>
    /// A block of device memory for one op's intermediate results, back in the cache when disposed. It may be
    /// handed out again while the kernels that use it are still queued: the next user's work runs after them on
    /// the same stream.
    /// </summary>
    DeviceScratch Scratch(long floats) => new(Allocator, floats);

    readonly struct DeviceScratch : IDisposable
    {
        readonly CudaAllocator _allocator;
        readonly long _capacity;

        public DevicePointer Pointer { get; }

        public DeviceScratch(CudaAllocator allocator, long floats)
        {
            _allocator = allocator;
            Pointer = allocator.Rent(floats, out _capacity);
        }

        public void Dispose() => _allocator.Return(Pointer, _capacity);
    }
}
