using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using DafL.Errors;

namespace DafL.IO;

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON mapping each
/// tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end)}</c> (byte offsets into the data section) plus
/// an optional <c>"__metadata__"</c> string map, padded with spaces to a multiple of 8, then the little-endian data,
/// tensors back to back. Tensors are float32 here: F32 is stored as is; PyTorch's int64 <c>num_batches_tracked</c>
/// buffers (any key whose last part is that name) are written as I64, so that <c>load_state_dict</c> in PyTorch
/// accepts the file, and I64 tensors are read back as float32 (they must be exact in float32).
/// <para>
/// Files written here carry a checksum in their metadata (<see cref="ChecksumKey"/>, announced by
/// <see cref="ChecksumAlgorithmKey"/>), verified on load, so that a changed byte anywhere in them is found; files
/// without one (PyTorch's) load unverified. The digest is the SHA-256 of the canonical description of the header
/// (<see cref="Canonical"/>) followed by the whole data section.
/// </para>
/// <para>
/// This file holds the format's constants and reading (<see cref="Load"/>); writing is in SafeTensors.Write.cs, the
/// header's parsing and validation in SafeTensors.Header.cs, the checksum in SafeTensors.Checksum.cs.
/// </para>
/// </summary>
public static partial class SafeTensors
{
    const string MetadataKey = "__metadata__";
    const string Int64Buffer = "num_batches_tracked";
    const long MaxHeaderBytes = 100L << 20; // what the reference implementation accepts
    /// <summary>NumPy 2's limit: no real tensor comes near it, and it bounds what a header of many tiny dimensions costs.</summary>
    const int MaxRank = 64;
    const string WhatFile = "safetensors file";

    static readonly JsonWriterOptions HeaderJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Whether <paramref name="name"/> is stored as I64 (a PyTorch <c>num_batches_tracked</c>).</summary>
    public static bool IsInt64(string name) => name == Int64Buffer || name.EndsWith("." + Int64Buffer, StringComparison.Ordinal);

    /// <summary>One tensor's header entry: what it is and where its bytes lie in the data section.</summary>
    readonly record struct Entry(string Name, bool Int64, int[] Shape, long Begin, long End)
    {
        public string Dtype => Int64 ? "I64" : "F32";
    }

    /// <summary>
    /// Reads and validates a file: header length, JSON, every entry's dtype, shape and offsets, that the tensors tile
    /// the data section exactly, the checksum when the file has one, and that every value is finite. The whole header
    /// is checked before any tensor is made, and no more is allocated than the file holds. Every error is an
    /// <see cref="InputException"/> naming the file and the field (the tensor). The tensors are float32 on the CPU.
    /// </summary>
    public static SafeTensorsFile Load(string path)
    {
        var (stream, fileLength) = InputFile.OpenRead(path, WhatFile);
        using (stream)
        {
            if (fileLength < 8) throw new InputException(path, "header length", "an 8-byte header length", $"a file of {fileLength} bytes");
            Span<byte> lengthBytes = stackalloc byte[8];
            ReadExactly(stream, lengthBytes, path, "header length");
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            long most = Math.Min(MaxHeaderBytes, fileLength - 8);
            if (headerLength > (ulong)most)
                throw new InputException(path, "header length", $"at most {most} bytes (the file has {fileLength}, a header at most {MaxHeaderBytes})", $"{headerLength}");
            var headerBytes = new byte[headerLength];
            ReadExactly(stream, headerBytes, path, "header JSON");
            long dataLength = fileLength - 8 - (long)headerLength;

            var (entries, metadata) = ParseHeader(path, headerBytes, dataLength);
            CheckTiling(path, entries, dataLength);
            string? written = WrittenDigest(path, metadata);

            using var hash = written is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash?.AppendData(Canonical(entries, metadata));
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            try
            {
                // The tiling check makes the tensors in offset order one run of the data section: read it front to back.
                InputException? inexact = null; // reported after the checksum: a damaged file is said to be damaged
                foreach (var e in InDataOrder(entries))
                    tensors[e.Name] = ReadTensor(path, stream, e, hash, ref inexact);
                if (hash is not null)
                {
                    string found = Convert.ToHexStringLower(hash.GetHashAndReset());
                    if (found != written)
                        throw new InputException(path, $"checksum ({ChecksumKey})", written!, found,
                            "The file was changed or damaged after it was written; restore it from a copy or write it again.");
                }
                if (inexact is not null) throw inexact;
                foreach (var e in entries)
                    if (!e.Int64) CheckFinite(path, e.Name, tensors[e.Name]);
            }
            catch
            {
                foreach (var t in tensors.Values) t.Dispose();
                throw;
            }
            metadata.Remove(ChecksumKey);
            metadata.Remove(ChecksumAlgorithmKey);
            return new SafeTensorsFile(path, tensors, entries.Select(e => e.Name).ToList(), metadata, verified: written is not null);
        }
    }

    /// <summary>The entries by offset (begin, then end), empty tensors at one offset by name: the order of the data section.</summary>
    static IEnumerable<Entry> InDataOrder(IEnumerable<Entry> entries) =>
        entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ThenBy(e => e.Name, StringComparer.Ordinal);

    /// <summary>
    /// Reads the next tensor, <paramref name="e"/>, from <paramref name="stream"/> (which is at its first byte),
    /// hashing its bytes; the first I64 value that float32 cannot hold becomes <paramref name="inexact"/>.
    /// </summary>
    static Tensor ReadTensor(string path, Stream stream, Entry e, IncrementalHash? hash, ref InputException? inexact)
    {
        using var _ = TensorScope.Untracked();
        var t = Tensor.Empty(e.Shape); // e.End − e.Begin bytes of the file, which the tiling check has bounded
        try
        {
            if (!e.Int64)
            {
                var bytes = MemoryMarshal.AsBytes(t.Span);
                ReadExactly(stream, bytes, path, "data section");
                hash?.AppendData(bytes);
                if (!BitConverter.IsLittleEndian) ReverseFloats(t.Span);
                return t;
            }
            var longs = new long[t.Numel];
            ReadExactly(stream, MemoryMarshal.AsBytes(longs.AsSpan()), path, "data section");
            hash?.AppendData(MemoryMarshal.AsBytes(longs.AsSpan()));
            var dst = t.Span;
            for (int i = 0; i < longs.Length; i++)
            {
                long v = BitConverter.IsLittleEndian ? longs[i] : BinaryPrimitives.ReverseEndianness(longs[i]);
                float f = v;
                if (((long)f != v || v == long.MaxValue) && inexact is null) // (long)2⁶³ as a float saturates back to long.MaxValue
                    inexact = new InputException(path, Field(e.Name, ""), "I64 values that float32 holds exactly", $"{v} at element {i}");
                dst[i] = f;
            }
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    static void CheckFinite(string path, string name, Tensor t)
    {
        var values = t.Span;
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new InputException(path, Field(name, ""), "finite values", $"{(float.IsNaN(values[i]) ? "NaN" : values[i] > 0 ? "+Inf" : "-Inf")} at element {i}");
    }

    /// <summary>Fills <paramref name="into"/> from <paramref name="stream"/>; a file that shrank since it was checked is an error naming <paramref name="field"/>.</summary>
    static void ReadExactly(Stream stream, Span<byte> into, string path, string field)
    {
        int n = stream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false);
        if (n < into.Length)
            throw new InputException(path, field, $"{into.Length} more bytes at byte {stream.Position - n}", $"the file ends after {n} (it shrank while being read)");
    }

    static void ReverseFloats(Span<float> values)
    {
        var bits = MemoryMarshal.Cast<float, int>(values);
        BinaryPrimitives.ReverseEndianness(bits, bits);
    }
}
