namespace DafL.Native;

/// <summary>Loaded device code (a cubin, or PTX for the driver to compile) and the kernels in it.</summary>
public sealed unsafe class CudaModule : IDisposable
{
    readonly CudaContext _context;
    bool _disposed;

    internal nint Handle { get; }

    CudaModule(CudaContext context, nint handle)
    {
        _context = context;
        Handle = handle;
    }

    /// <summary>
    /// Loads a cubin or PTX image; the driver tells them apart by content. PTX must be NUL-terminated, so the
    /// image is copied with a NUL appended (harmless after a cubin).
    /// </summary>
    public static CudaModule Load(CudaContext context, ReadOnlySpan<byte> image)
    {
        if (image.IsEmpty) throw new ArgumentException("CudaModule.Load: the image is empty.", nameof(image));
        var terminated = new byte[image.Length + 1];
        image.CopyTo(terminated);
        context.MakeCurrent();
        nint handle;
        fixed (byte* data = terminated)
            DriverStatus.Check(Cuda.Api.cuModuleLoadData(&handle, data));
        return new CudaModule(context, handle);
    }

    /// <summary>The kernel named <paramref name="name"/> (an <c>extern "C"</c> name, so unmangled).</summary>
    public CudaFunction GetFunction(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _context.MakeCurrent();
        nint function;
        fixed (byte* text = NativeText.ToUtf8Z(name))
            DriverStatus.Check(Cuda.Api.cuModuleGetFunction(&function, Handle, text));
        return new CudaFunction(_context, function, name);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _context.MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuModuleUnload(Handle));
    }
}
