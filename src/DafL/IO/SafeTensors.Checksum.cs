using System.Text.Json;
using DafL.Errors;

namespace DafL.IO;

/// <summary>
/// The checksum of files written here: the digest of the header's meaning (<see cref="Canonical"/>) and the data
/// section, kept in the metadata, and read back from it on load.
/// </summary>
public static partial class SafeTensors
{
    /// <summary>The metadata key of the lowercase hex SHA-256 digest of a file written here.</summary>
    public const string ChecksumKey = "dafl_sha256";

    /// <summary>
    /// The metadata key that announces the checksum (value <c>sha256</c>). It is there so that no one changed byte can
    /// make a checked file pass for an unchecked one: damage to the name of <see cref="ChecksumKey"/> leaves this key,
    /// and damage to this one is covered by the digest.
    /// </summary>
    public const string ChecksumAlgorithmKey = "dafl_checksum";
    const string ChecksumAlgorithm = "sha256";

    /// <summary>
    /// What the checksum covers of the header: the meaning of it, not its bytes, so that a file written with other
    /// spacing, escapes or key order (a JSON object has none) has the same digest. Compact JSON
    /// <c>{"tensors":[[name,dtype,[shape],begin,end],…],"metadata":[[key,value],…]}</c>: the tensors in offset order
    /// (<see cref="InDataOrder"/>), the metadata sorted by key (ordinal) without <see cref="ChecksumKey"/>, strings
    /// escaped as <see cref="Save"/> writes them (only what JSON requires).
    /// </summary>
    static byte[] Canonical(IEnumerable<Entry> entries, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, HeaderJson))
        {
            w.WriteStartObject();
            w.WriteStartArray("tensors");
            foreach (var e in InDataOrder(entries))
            {
                w.WriteStartArray();
                w.WriteStringValue(e.Name);
                w.WriteStringValue(e.Dtype);
                w.WriteStartArray();
                foreach (var d in e.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteNumberValue(e.Begin);
                w.WriteNumberValue(e.End);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteStartArray("metadata");
            foreach (var (k, v) in metadata.Where(m => m.Key != ChecksumKey).OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                w.WriteStartArray();
                w.WriteStringValue(k);
                w.WriteStringValue(v);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The digest the file was written with, or null for a file without a checksum (not written here).</summary>
    static string? WrittenDigest(string path, Dictionary<string, string> metadata)
    {
        bool announced = metadata.TryGetValue(ChecksumAlgorithmKey, out var algorithm);
        if (announced && algorithm != ChecksumAlgorithm)
            throw new InputException(path, $"checksum ({ChecksumAlgorithmKey})", ChecksumAlgorithm, $"'{InputText.Show(algorithm!)}'");
        if (!metadata.TryGetValue(ChecksumKey, out var digest))
            return announced ? throw new InputException(path, $"checksum ({ChecksumKey})", $"a digest, as {ChecksumAlgorithmKey} announces", "none") : null;
        if (digest.Length != 64 || !digest.All(char.IsAsciiHexDigitLower))
            throw new InputException(path, $"checksum ({ChecksumKey})", "64 lowercase hex digits", $"'{InputText.Show(digest)}'");
        return digest;
    }
}
