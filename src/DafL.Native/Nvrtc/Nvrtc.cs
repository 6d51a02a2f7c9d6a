using System.Runtime.InteropServices;

namespace DafL.Native;

/// <summary>
/// NVRTC, the runtime CUDA C++ compiler. It needs no GPU and no driver, only <c>libnvrtc.so.N</c> (and its
/// builtins), so kernels can be compiled on any machine, CI included. A real architecture (<c>sm_90</c>) yields a
/// cubin, which the driver loads without its PTX JIT; a virtual one (<c>compute_90</c>) yields PTX.
/// </summary>
public static unsafe class Nvrtc
{
    static readonly BoundLibrary<NvrtcApi> Library = new(CudaLibrary.Nvrtc, e => new NvrtcApi(e));

    /// <summary>True when NVRTC loaded and exports what the bindings use.</summary>
    public static bool IsAvailable => Library.IsAvailable;

    /// <summary>Why NVRTC cannot be used; empty when it can.</summary>
    public static string UnavailableReason => Library.UnavailableReason;

    internal static NvrtcApi Api => Library.Api;

    internal static NvrtcApi? LoadedApi => Library.IfLoaded;

    /// <summary>NVRTC's CUDA version, (11, 8) for Debian's package.</summary>
    public static (int Major, int Minor) Version
    {
        get
        {
            int major, minor;
            NvrtcStatus.Check(Api.nvrtcVersion(&major, &minor));
            return (major, minor);
        }
    }

    /// <summary>The real architectures this NVRTC can emit code for, as numbers (90 for sm_90).</summary>
    public static IReadOnlyList<int> SupportedArchitectures
    {
        get
        {
            var api = Api;
            int count;
            NvrtcStatus.Check(api.nvrtcGetNumSupportedArchs(&count));
            var architectures = new int[count];
            fixed (int* a = architectures)
                NvrtcStatus.Check(api.nvrtcGetSupportedArchs(a));
            return architectures;
        }
    }

    /// <summary>
    /// Compiles CUDA C++ to a cubin for a real architecture. <paramref name="name"/> is the file name NVRTC puts in
    /// its diagnostics; <paramref name="options"/> are passed as given and must include
    /// <c>--gpu-architecture=sm_XX</c>; <paramref name="headers"/> (file name → text) are what the source may
    /// <c>#include "name"</c>, handed to NVRTC in memory (a published binary has no folder of headers). A compile
    /// error throws a <see cref="CudaException"/> whose message holds NVRTC's log.
    /// </summary>
    public static NvrtcOutput<byte[]> CompileToCubin(string source, string name, IReadOnlyList<string> options,
        IReadOnlyDictionary<string, string>? headers = null) =>
        Compile(source, name, options, headers, ReadCubin);

    /// <summary>Compiles CUDA C++ to PTX (<c>--gpu-architecture=compute_XX</c> in the options).</summary>
    public static NvrtcOutput<string> CompileToPtx(string source, string name, IReadOnlyList<string> options,
        IReadOnlyDictionary<string, string>? headers = null) =>
        Compile(source, name, options, headers, ReadPtx);

    static NvrtcOutput<T> Compile<T>(string source, string name, IReadOnlyList<string> options,
        IReadOnlyDictionary<string, string>? headers, Func<NvrtcApi, nint, T> read)
    {
        var api = Api;
        nint program;
        var included = (headers ?? new Dictionary<string, string>()).OrderBy(h => h.Key, StringComparer.Ordinal).ToArray();
        using (var texts = new PinnedStrings(included.Select(h => h.Value)))
        using (var names = new PinnedStrings(included.Select(h => h.Key)))
        fixed (byte* s = NativeText.ToUtf8Z(source))
        fixed (byte* n = NativeText.ToUtf8Z(name))
            NvrtcStatus.Check(api.nvrtcCreateProgram(&program, s, n, included.Length, texts.Pointers, names.Pointers));
        try
        {
            int status;
            using (var pinned = new PinnedStrings(options)) status = api.nvrtcCompileProgram(program, options.Count, pinned.Pointers);
            string log = ReadLog(api, program);
            if (status != NvrtcStatus.Success)
                throw NvrtcStatus.Error(status, $"nvrtcCompileProgram({name}, {string.Join(' ', options)})",
                    log.Length > 0 ? $"NVRTC log for {name}:{Environment.NewLine}{log}" : $"NVRTC wrote no log for {name}.");
            return new NvrtcOutput<T>(read(api, program), log);
        }
        finally
        {
            NvrtcStatus.Check(api.nvrtcDestroyProgram(&program));
        }
    }

    /// <summary>
    /// NUL-terminated UTF-8 copies of some strings and a <c>const char**</c> to them, in native memory until disposed:
    /// NVRTC's options, header texts and header names. <see cref="Pointers"/> is null for no strings.
    /// </summary>
    sealed class PinnedStrings : IDisposable
    {
        readonly byte** _block;

        public PinnedStrings(IEnumerable<string> strings)
        {
            var encoded = strings.Select(NativeText.ToUtf8Z).ToArray();
            if (encoded.Length == 0) return;
            // One allocation: the pointer array, then the strings it points at.
            nuint table = (nuint)(encoded.Length * sizeof(byte*));
            _block = (byte**)NativeMemory.Alloc(table + (nuint)encoded.Sum(e => e.Length));
            byte* at = (byte*)_block + table;
            for (int i = 0; i < encoded.Length; at += encoded[i].Length, i++)
            {
                _block[i] = at;
                encoded[i].CopyTo(new Span<byte>(at, encoded[i].Length));
            }
        }

        public byte** Pointers => _block;

        public void Dispose() => NativeMemory.Free(_block);
    }

    static string ReadLog(NvrtcApi api, nint program)
    {
        nuint size;
        NvrtcStatus.Check(api.nvrtcGetProgramLogSize(program, &size));
        var log = new byte[(int)size];
        fixed (byte* l = log)
            NvrtcStatus.Check(api.nvrtcGetProgramLog(program, l));
        return System.Text.Encoding.UTF8.GetString(log).TrimEnd('\0').Trim();
    }

    static byte[] ReadCubin(NvrtcApi api, nint program)
    {
        nuint size;
        NvrtcStatus.Check(api.nvrtcGetCUBINSize(program, &size));
        if (size == 0)
            throw new InvalidOperationException("NVRTC produced no cubin: compile for a real architecture (--gpu-architecture=sm_XX), not a virtual one (compute_XX).");
        var cubin = new byte[(int)size];
        fixed (byte* c = cubin)
            NvrtcStatus.Check(api.nvrtcGetCUBIN(program, c));
        return cubin;
    }

    static string ReadPtx(NvrtcApi api, nint program)
    {
        nuint size;
        NvrtcStatus.Check(api.nvrtcGetPTXSize(program, &size));
        var ptx = new byte[(int)size];
        fixed (byte* p = ptx)
            NvrtcStatus.Check(api.nvrtcGetPTX(program, p));
        return System.Text.Encoding.UTF8.GetString(ptx).TrimEnd('\0');
    }
}

/// <summary>What a successful NVRTC compilation produced, and its log (warnings; empty when there are none).</summary>
public sealed record NvrtcOutput<T>(T Code, string Log);
