using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DafL.Tests.Fuzz;

/// <summary>
/// Mutations of a JSON object that keep it JSON-shaped, so that they reach the checks behind the parser: a field set
/// to a value of another type or out of its range, a field removed, added, duplicated, or given another field's value;
/// and rewrites that change nothing (indentation, key order), which must give the identical result.
/// </summary>
public static class JsonMutations
{
    static readonly string[] Values =
    [
        "null", "true", "false", "\"abc\"", "\"\"", "-1", "0", "1", "2", "2147483648", "-2147483649", "1e999", "-1e999", "1.5",
        "NaN", "\"NaN\"", "[]", "{}", "[1, 2]", "[-1]", "[\"a\"]", "\"Official\"", "\"Paper\"", "\"cuda\"", "\"cpu\"",
        "18446744073709551616", "1e-45", "0.0", "\"12\"", "\"lenet5\"", "\"resnet34\"", "\"mnist\"", "\"cifar100\"",
    ];

    const string Placeholder = "@@RAW@@";

    public static (byte[] Bytes, string What) Mutate(byte[] json, Mutator m)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var keys = root.Select(p => p.Key).ToList();
        string key = m.Pick(keys);
        string? raw = null, what;
        switch (m.Random.Next(8))
        {
            case 0:
            case 1:
                raw = m.Pick(Values);
                root[key] = Placeholder;
                what = $"{key} = {raw}";
                break;
            case 2:
                root.Remove(key);
                what = $"remove {key}";
                break;
            case 3:
                root["unknown_setting"] = 1;
                what = "add unknown_setting";
                break;
            case 4:
            {
                var value = root[key]?.ToJsonString() ?? "null";
                var text = root.ToJsonString();
                return (Encoding.UTF8.GetBytes("{" + $"\"{key}\": {value}, " + text[1..]), $"duplicate {key}");
            }
            case 5:
            {
                if (root[key] is JsonValue v && v.TryGetValue(out double d))
                {
                    double nudged = m.Pick([d + 1, d - 1, d * 10, -d, 0, d / 3]);
                    root[key] = nudged;
                    what = $"{key} {d} → {nudged}";
                }
                else
                {
                    root[key] = root[m.Pick(keys)]?.DeepClone();
                    what = $"{key} = another field's value";
                }
                break;
            }
            case 6:
            {
                var reordered = new JsonObject();
                foreach (var k in keys.OrderBy(_ => m.Random.Next())) reordered[k] = root[k]?.DeepClone();
                root = reordered;
                what = "reorder keys";
                break;
            }
            default:
                return (Encoding.UTF8.GetBytes(root.ToJsonString(new JsonSerializerOptions { WriteIndented = m.Random.Next(2) == 0 }) + "\n\n"), "reformat");
        }
        var result = root.ToJsonString();
        if (raw != null) result = result.Replace($"\"{Placeholder}\"", raw, StringComparison.Ordinal);
        return (Encoding.UTF8.GetBytes(result), what);
    }
}
