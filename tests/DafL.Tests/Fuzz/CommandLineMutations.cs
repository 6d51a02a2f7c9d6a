namespace DafL.Tests.Fuzz;

/// <summary>
/// Mutated command lines for every command that runs in milliseconds on the fuzz workspace: a value replaced by one
/// that is certainly wrong (must be refused, naming the option) or by another valid one; an option deleted,
/// duplicated, or unknown; a stray word; tokens swapped; the command misspelt. The tables of wrong and valid values
/// are this suite's own statement of each option's range, independent of the parser's.
/// </summary>
public sealed class CommandLineMutations
{
    readonly FuzzWorkspace _ws;
    readonly string[][] _lines;
    readonly Dictionary<string, (string[] Bad, string[] Good)> _values;
    int _fresh;

    static readonly string[] Whole = ["", "abc", "1.5", "NaN", "0x10", "1e3", "9223372036854775808", "--"];
    static readonly string[] Rate = ["", "abc", "0", "-0.1", "NaN", "Infinity", "-Infinity", "1e30", "1e999", "0x1"];

    public CommandLineMutations(FuzzWorkspace ws)
    {
        _ws = ws;
        string T = ws.Teacher, data = ws.RawData;
        _lines =
        [
            ["eval", "--model", T, "--dataset", "mnist", "--data", data, "--device", "cpu", "--per-class"],
            ["distill", "--teacher", T, "--preset", "mnist-quick", "--epochs", "0", "--batch", "4", "--iters", "2", "--gen-width", "8",
                "--latent", "8", "--lr-g", "0.2", "--lr-s", "0.002", "--oh", "1", "--ie", "5", "--a", "0.1", "--seed", "3",
                "--student", "lenet5-half", "--entropy", "Official", "--activation", "Paper", "--student-ema", "0",
                "--lr-s-milestones", "5", "--lr-g-milestones", "7", "--no-eval", "--device", "cpu", "--out", "@dir"],
            ["teacher", "--dataset", "mnist", "--data", data, "--epochs", "1", "--batch", "8", "--lr", "0.001", "--seed", "1",
                "--device", "cpu", "--out", "@file.safetensors"],
            ["sample", "--run", ws.Run, "--teacher", T, "--out", "@file.png", "--count", "4", "--seed", "7", "--device", "cpu"],
            ["profile", "--preset", "mnist-quick", "--batch", "4", "--gen-width", "8", "--warmup", "0", "--steps", "1", "--top", "3", "--device", "cpu"],
        ];
        string missing = Path.Combine(ws.Root, "no-such-file"), readme = Path.Combine(ws.Root, "not-a-checkpoint.txt");
        File.WriteAllText(readme, "not a checkpoint\n");
        string[] badInputFile = ["", missing, "/dev/zero", "/", readme, ws.RawData];
        _values = new()
        {
            ["--model"] = (badInputFile, []),
            ["--teacher"] = (badInputFile, []),
            ["--run"] = (["", missing, "/", ws.RawData], []),
            ["--data"] = (["", missing, "/dev/null", ws.GzData + "-missing"], [ws.GzData]),
            ["--dataset"] = (["", "imagenet", "MNIST-"], []),
            ["--device"] = (["", "gpu", "cpu0", "CUDA:0"], ["cpu", "CPU"]),
            ["--preset"] = (["", "imagenet", "mnist-quick2"], ["mnist-quick"]),
            ["--student"] = (["", "vgg", "lenet"], ["lenet5", "lenet5-half"]),
            ["--entropy"] = (["", "abc", "official2", "2"], ["Official", "Paper"]),
            ["--activation"] = (["", "abc", "official2", "2"], ["Official", "Paper"]),
            ["--epochs"] = ([.. Whole, "-1", "2147483648", "1000000000"], ["0", "1"]),
            ["--batch"] = ([.. Whole, "0", "1", "-4", "2147483647", "100000000"], ["2", "3", "8"]),
            ["--iters"] = ([.. Whole, "0", "-1", "2147483647"], ["1", "3"]),
            ["--gen-width"] = ([.. Whole, "0", "1", "3", "-2", "2147483646"], ["2", "4", "16"]),
            ["--latent"] = ([.. Whole, "0", "-1", "2147483647"], ["1", "16"]),
            ["--lr-g"] = (Rate, ["0.1", "1e-3"]),
            ["--lr-s"] = (Rate, ["0.1", "1e-3"]),
            ["--lr"] = (Rate, ["0.1", "1e-3"]),
            ["--oh"] = (["", "abc", "-1", "NaN", "Infinity", "1e999", "1e30"], ["0", "1", "2.5"]),
            ["--ie"] = (["", "abc", "-1", "NaN", "Infinity", "1e999", "1e30"], ["0", "1", "2.5"]),
            ["--a"] = (["", "abc", "-1", "NaN", "Infinity", "1e999", "1e30"], ["0", "1", "2.5"]),
            ["--student-ema"] = (["", "abc", "1", "-0.1", "NaN", "2", "1e999"], ["0", "0.5", "0.999"]),
            ["--lr-s-milestones"] = (["abc", "-1", "1.5", "2147483648"], ["0", "3"]),
            ["--lr-g-milestones"] = (["abc", "-1", "1.5", "2147483648"], ["0", "3"]),
            ["--seed"] = (["", "abc", "-1", "1.5", "18446744073709551616"], ["0", "18446744073709551615"]),
            ["--count"] = ([.. Whole, "0", "-1", "2147483647", "100000"], ["1", "2", "9"]),
            ["--warmup"] = ([.. Whole, "-1", "2147483647"], ["0", "1"]),
            ["--steps"] = ([.. Whole, "0", "-1", "2147483647"], ["1", "2"]),
            ["--top"] = ([.. Whole, "0", "-1", "2147483647"], ["1", "5"]),
            ["--out"] = (["", "/", "/sys/dafl-fuzz", "/proc/dafl-fuzz", "/dev/null/x"], []),
        };
    }

    /// <summary>A mutated command line, whether it must be refused, and what was done.</summary>
    public (string[] Args, bool MustFail, string What) Mutate(Mutator m)
    {
        var line = Fresh(m.Pick(_lines));
        var options = Enumerable.Range(1, line.Count - 1).Where(i => _values.ContainsKey(line[i]) && i + 1 < line.Count).ToList();
        int pick = m.Random.Next(20);
        if (pick < 8 && options.Count > 0)
        {
            int at = m.Pick(options);
            var (bad, good) = _values[line[at]];
            bool wrong = good.Length == 0 || m.Random.Next(3) > 0;
            line[at + 1] = m.Pick(wrong ? bad : good);
            return ([.. line], wrong, $"{line[at]} = '{line[at + 1]}'");
        }
        switch (pick)
        {
            case 8:
            case 9:
            {
                int at = 1 + m.Random.Next(line.Count - 1);
                string gone = line[at];
                line.RemoveAt(at);
                return ([.. line], false, $"delete '{gone}'");
            }
            case 10 when options.Count > 0:
            {
                int at = m.Pick(options);
                line.AddRange([line[at], line[at + 1]]);
                return ([.. line], false, $"repeat {line[at]}");
            }
            case 11:
                line.Insert(1 + m.Random.Next(line.Count), m.Pick(["--bogus", "--batchsize", "-x", "---batch"]));
                return ([.. line], true, "an unknown option");
            case 12:
                line.Insert(1 + m.Random.Next(line.Count), m.Pick(["xyz", "mnist", "-"]));
                return ([.. line], true, "a stray word");
            case 13:
                line[0] = m.Pick(["evall", "", "Distill", "train", "-eval"]);
                return ([.. line], true, "a misspelt command");
            case 14:
                return ([.. line, "--resume"], false, "--resume added");
            default:
            {
                int a = m.Random.Next(line.Count), b = m.Random.Next(line.Count);
                (line[a], line[b]) = (line[b], line[a]);
                return ([.. line], false, $"swap tokens {a} and {b}");
            }
        }
    }

    /// <summary>Where the mutated lines write; <see cref="RemoveOutputs"/> empties it after each run.</summary>
    string Outputs => Path.Combine(_ws.Root, "cli-out");

    /// <summary>Removes what the last line wrote: thousands of runs would otherwise fill the in-memory workspace.</summary>
    public void RemoveOutputs()
    {
        if (Directory.Exists(Outputs)) Directory.Delete(Outputs, recursive: true);
    }

    /// <summary>The line with its output placeholders replaced by paths not used before (a run never finds another's files).</summary>
    List<string> Fresh(string[] line)
    {
        string dir = Path.Combine(Outputs, (_fresh++).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return [.. line.Select(a => a == "@dir" ? dir : a.StartsWith('@') ? Path.Combine(dir, a[1..]) : a)];
    }
}
