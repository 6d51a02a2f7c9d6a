using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using DafL.IO;

namespace DafL.Tests.Fuzz;

/// <summary>
/// Whether a mutated safetensors file still says exactly what the original says — the same tensors (names, shapes,
/// bits) and the same metadata, the checksum aside. Only such a mutation may be accepted; any other must be refused,
/// since a changed weight that loads is a byte flip nothing detected.
/// </summary>
public static class SafeTensorsMeaning
{
    static readonly ConditionalWeakTable<byte[], string> Originals = new();

    public static bool Same(byte[] original, byte[] mutated, string scratch)
    {
        var a = Originals.GetValue(original, o => Read(o, scratch) ?? throw new ArgumentException("the original file does not load"));
        return Read(mutated, scratch) == a;
    }

    /// <summary>A canonical text of the file's content, or null when it does not load.</summary>
    static string? Read(byte[] bytes, string scratch)
    {
        File.WriteAllBytes(scratch, bytes);
        try
        {
            using var file = SafeTensors.Load(scratch);
            var parts = file.Metadata.Where(e => e.Key != "dafl_sha256").OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")
                .Concat(file.Names.Order(StringComparer.Ordinal).Select(n =>
                {
                    var t = file.Tensors[n];
                    return $"{n}:{Tensor.ShapeString(t.Shape)}:{Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(t.ToArray().AsSpan())))}";
                }));
            return string.Join("\n", parts);
        }
        catch (Exception)
        {
            return null; // any failure: the mutated file does not say what the original says
        }
        finally
        {
            File.Delete(scratch);
        }
    }
}
