using System.Globalization;
using DafL.IO;

namespace DafL.Tests.Fuzz;

/// <summary>
/// Changes to a run's state.safetensors that are written back as a valid file (a fresh checksum): what a buggy tool
/// or a hand edit would leave. They get past the checksum on purpose, to reach the checks of what the state says —
/// metadata out of range or inconsistent, an optimiser state missing, a tensor renamed, reshaped, non-finite.
/// </summary>
public static class StateMutations
{
    const string Checksum = "dafl_sha256";
    static readonly string[] Values = ["", "abc", "-1", "0", "1", "2", "3", "1e999", "NaN", "2147483648", "99999999999999999999", "0.5", "1.5", "-0", " 1", "0x10"];

    public static string Apply(string path, Mutator m)
    {
        Dictionary<string, string> metadata;
        var tensors = new List<(string Name, Tensor Tensor)>();
        using (var file = SafeTensors.Load(path))
        {
            metadata = file.Metadata.Where(e => e.Key != Checksum).ToDictionary();
            foreach (var name in file.Names) tensors.Add((name, file.Tensors[name].Clone()));
        }
        try
        {
            string what = Change(metadata, tensors, m);
            SafeTensors.Save(path, tensors, metadata);
            return what;
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    static string Change(Dictionary<string, string> metadata, List<(string Name, Tensor Tensor)> tensors, Mutator m)
    {
        string key = m.Pick(metadata.Keys.ToList());
        int at = m.Random.Next(tensors.Count);
        var (name, tensor) = tensors[at];
        switch (m.Random.Next(9))
        {
            case 0:
            case 1:
                metadata[key] = m.Pick(Values);
                return $"metadata {key} = '{metadata[key]}'";
            case 2:
            {
                long.TryParse(metadata[key], NumberStyles.Integer, CultureInfo.InvariantCulture, out long v);
                metadata[key] = m.Pick([v + 1, v - 1, v * 2]).ToString(CultureInfo.InvariantCulture);
                return $"metadata {key} = {metadata[key]}";
            }
            case 3:
                metadata.Remove(key);
                return $"remove metadata {key}";
            case 4:
                tensors.RemoveAt(at);
                tensor.Dispose();
                return $"remove tensor {name}";
            case 5:
                tensors[at] = (name + "x", tensor);
                return $"rename tensor {name}";
            case 6:
            {
                var values = tensor.ToArray();
                if (values.Length == 0) return $"tensor {name} is empty: unchanged";
                // An integer buffer cannot hold a non-finite value: it gets an impossible count instead.
                bool integer = SafeTensors.IsInt64(name);
                values[m.Random.Next(values.Length)] = integer ? -1 : m.Pick([float.NaN, float.PositiveInfinity, float.NegativeInfinity]);
                tensors[at] = (name, Tensor.FromArray(values, tensor.Shape));
                tensor.Dispose();
                return integer ? $"a negative count in {name}" : $"a non-finite element in {name}";
            }
            case 7:
                tensors[at] = (name, Tensor.FromArray(tensor.ToArray(), (int)tensor.Numel));
                tensor.Dispose();
                return $"flatten {name}";
            default:
            {
                string prefix = m.Pick(["opt_g.", "opt_s.", "generator.", "student."]);
                var dropped = tensors.Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                foreach (var e in dropped) e.Tensor.Dispose();
                tensors.RemoveAll(e => e.Name.StartsWith(prefix, StringComparison.Ordinal));
                return $"remove every {prefix}* tensor";
            }
        }
    }
}
