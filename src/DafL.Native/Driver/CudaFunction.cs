namespace DafL.Native;

/// <summary>A grid or block size in up to three dimensions.</summary>
public readonly record struct Dim3(uint X, uint Y = 1, uint Z = 1);

/// <summary>A kernel in a loaded <see cref="CudaModule"/>; valid while the module is.</summary>
public sealed unsafe class CudaFunction
{
    readonly CudaContext _context;

    internal nint Handle { get; }

    /// <summary>The kernel's name.</summary>
    public string Name { get; }

    internal CudaFunction(CudaContext context, nint handle, string name)
    {
        _context = context;
        Handle = handle;
        Name = name;
    }

    /// <summary>
    /// Queues the kernel. <paramref name="arguments"/> is the C API's <c>void** kernelParams</c>: one pointer per
    /// kernel parameter, each pointing at that parameter's value (e.g. a stackalloc'd array of addresses of locals),
    /// and the values must not move until this returns (the driver copies them at launch).
    /// </summary>
    public void Launch(Dim3 grid, Dim3 block, uint sharedMemoryBytes, CudaStream stream, void** arguments)
    {
        if (grid.X == 0 || grid.Y == 0 || grid.Z == 0 || block.X == 0 || block.Y == 0 || block.Z == 0)
            throw new ArgumentException($"Launching {Name}: grid {grid} and block {block} must have no zero dimension.");
        _context.MakeCurrent();
        int status = Cuda.Api.cuLaunchKernel(Handle, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, sharedMemoryBytes, stream.Handle, arguments, null);
        if (status != DriverStatus.Success)
            throw DriverStatus.Error(status, "Cuda.Api.cuLaunchKernel(Handle, grid, block, sharedMemoryBytes, stream.Handle, arguments, null)",
                $"launching {Name} with grid {grid}, block {block}, {sharedMemoryBytes} bytes of dynamic shared memory");
    }
}
