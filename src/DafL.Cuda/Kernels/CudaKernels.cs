using System.Collections.Concurrent;
using DafL.Native;

namespace DafL.Backends.Cuda.Kernels;

/// <summary>
/// The kernels of <c>cuda/*.cu</c> on one device: each embedded file is compiled once per process and architecture
/// by NVRTC (through <see cref="KernelCompiler"/>, whose disk cache makes later processes skip the compile), on the
/// first launch of one of its kernels; its module is loaded into this context and function handles are cached by
/// name. Every launch goes to the one compute stream. Launch shapes follow cuda/README.md, "Calling conventions".
/// </summary>
internal sealed unsafe class CudaKernels : IDisposable
{
    /// <summary>Threads per block for grid-stride and chunked kernels (fixed: chunked sums depend on it).</summary>
    public const int Threads = 256;

    static readonly ConcurrentDictionary<(string File, string Architecture), Lazy<byte[]>> Cubins = new();

    readonly CudaContext _context;
    readonly CudaStream _stream;
    readonly KernelCompiler _compiler;
    readonly string _architecture;
    readonly long _maxGridStrideBlocks;
    readonly object _gate = new();
    readonly Dictionary<string, CudaModule> _modules = [];
    readonly Dictionary<string, CudaFunction> _functions = [];

    public CudaKernels(CudaContext context, CudaStream stream, string architecture, int multiprocessors, KernelCompiler compiler)
    {
        _context = context;
        _stream = stream;
        _architecture = architecture;
        _compiler = compiler;
        _maxGridStrideBlocks = 32L * Math.Max(1, multiprocessors);
    }

    /// <summary>The kernel named <paramref name="name"/>, compiling and loading its file on first use.</summary>
    public CudaFunction Get(string name)
    {
        lock (_gate)
        {
            if (_functions.TryGetValue(name, out var function)) return function;
            if (!Kernel.Files.TryGetValue(name, out var file))
                throw new InvalidOperationException($"No embedded kernel source defines {name}.");
            if (!_modules.TryGetValue(file, out var module))
            {
                byte[] cubin = Cubins.GetOrAdd((file, _architecture),
                    key => new Lazy<byte[]>(() => _compiler.Compile(KernelSources.Read(key.File), key.File, key.Architecture, KernelSources.Headers))).Value;
                _modules[file] = module = CudaModule.Load(_context, cubin);
            }
            return _functions[name] = module.GetFunction(name);
        }
    }

    /// <summary>Queues <paramref name="name"/> with an explicit grid and block.</summary>
    public void Launch(string name, Dim3 grid, Dim3 block, params ReadOnlySpan<KernelArgument> arguments)
    {
        var function = Get(name);
        ulong* slots = stackalloc ulong[Math.Max(1, arguments.Length)];
        void** pointers = stackalloc void*[Math.Max(1, arguments.Length)];
        for (int i = 0; i < arguments.Length; i++) pointers[i] = arguments[i].Address(slots + i);
        function.Launch(grid, block, 0, _stream, pointers);
    }

    /// <summary>
    /// A grid-stride kernel over <paramref name="work"/> items: 256 threads, min(⌈work / 256⌉, 32·SMs) blocks.
    /// Nothing is queued when there is no work.
    /// </summary>
    public void LaunchGridStride(string name, long work, params ReadOnlySpan<KernelArgument> arguments)
    {
        if (work <= 0) return;
        Launch(name, new Dim3((uint)Math.Min((work + Threads - 1) / Threads, _maxGridStrideBlocks)), new Dim3(Threads), arguments);
    }

    /// <summary>
    /// A row kernel (one block per row, rows looped with a grid stride): min(256, cols rounded up to 32) threads,
    /// min(rows, 32·SMs) blocks. Nothing is queued when there are no rows.
    /// </summary>
    public void LaunchRows(string name, long rows, long cols, params ReadOnlySpan<KernelArgument> arguments)
    {
        if (rows <= 0) return;
        uint threads = (uint)Math.Clamp((cols + 31) / 32 * 32, 32, Threads);
        Launch(name, new Dim3((uint)Math.Min(rows, _maxGridStrideBlocks)), new Dim3(threads), arguments);
    }

    /// <summary>
    /// A kernel whose blocks each own a work item (a chunk, a kept channel) and loop over the rest with a grid
    /// stride: 256 threads, min(items, 2³¹ − 1) blocks. Nothing is queued when there are no items.
    /// </summary>
    public void LaunchPerItem(string name, long items, params ReadOnlySpan<KernelArgument> arguments)
    {
        if (items <= 0) return;
        Launch(name, new Dim3((uint)Math.Min(items, int.MaxValue)), new Dim3(Threads), arguments);
    }

    /// <summary>A kernel that must run as exactly one block of 256 threads (the finishing pass of a chunked sum).</summary>
    public void LaunchSingleBlock(string name, params ReadOnlySpan<KernelArgument> arguments) =>
        Launch(name, new Dim3(1), new Dim3(Threads), arguments);

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var module in _modules.Values) module.Dispose();
            _modules.Clear();
            _functions.Clear();
        }
    }
}
