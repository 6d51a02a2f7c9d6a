using System.Runtime.InteropServices;

namespace DafL.Native;

/// <summary>Resolves a loaded library's exported functions by name, once, when its function table is built.</summary>
readonly struct Exports
{
    readonly nint _handle;
    readonly CudaLibrary _library;

    public Exports(nint handle, CudaLibrary library)
    {
        _handle = handle;
        _library = library;
    }

    /// <summary>The address of a function the bindings cannot work without.</summary>
    public nint Get(string symbol) =>
        NativeLibrary.TryGetExport(_handle, symbol, out nint address)
            ? address
            : throw new EntryPointNotFoundException($"{LibraryCatalog.DisplayName(_library)} does not export {symbol}; the library is older or newer than these bindings expect.");

    /// <summary>The address of a function that only some versions export; 0 when absent.</summary>
    public nint Find(string symbol) => NativeLibrary.TryGetExport(_handle, symbol, out nint address) ? address : 0;
}
