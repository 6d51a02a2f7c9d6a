using DafL.Tests.Data;
using System.Text;
using DafL.Tests.Support;

namespace DafL.Tests.Fuzz;

/// <summary>
/// Issue 11's acceptance suite: thousands of seeded mutations of each kind of input — a teacher checkpoint, MNIST IDX
/// files raw and gzipped, a run's config.json and state.safetensors on --resume, and command lines — go into the real
/// commands in this process (<see cref="InProcessCli"/>). Every outcome must be a clear one-line error (exit 2) or a
/// result identical to the unmutated input's (or, for data files an independent check calls valid, an accepted run).
/// A failure lists the first few mutations that did something else, each reproducible from its kind and index.
/// DAFL_FUZZ_MUTATIONS sets the count per kind (default 2000, as issue 11 asks).
/// </summary>
[NonParallelizable]
public sealed class MutationFuzzTests
{
    FuzzWorkspace _ws = null!;

    string Scratch => Path.Combine(_ws.Root, "scratch.safetensors");

    static int Mutations => int.TryParse(Environment.GetEnvironmentVariable("DAFL_FUZZ_MUTATIONS"), out int n) && n > 0 ? n : 2000;

    [OneTimeSetUp]
    public void MakeWorkspace() => _ws = new FuzzWorkspace();

    [OneTimeTearDown]
    public void RemoveWorkspace() => _ws.Dispose();

    /// <summary>Runs <paramref name="count"/> mutations through <paramref name="one"/>, tallies, and fails on any bad outcome.</summary>
    static void Campaign(string kind, int count, Func<int, (FuzzOutcome Outcome, string What, InProcessCli.Result Result)> one)
    {
        var tally = Enum.GetValues<FuzzOutcome>().ToDictionary(o => o, _ => 0);
        var bad = new List<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long liveTensors = Tensor.LiveTensors, liveBuffers = DafL.Memory.BufferPool.LiveBuffers;
        for (int i = 0; i < count; i++)
        {
            var (outcome, what, result) = one(i);
            tally[outcome]++;
            if (!FuzzOutcomes.IsGood(outcome) && bad.Count < 10) bad.Add($"#{i} {what}: {outcome}: {result}");
        }
        var line = string.Join(", ", tally.Where(t => t.Value > 0).Select(t => $"{t.Key} {t.Value}"));
        TestContext.Out.WriteLine($"{kind}: {count} mutations in {clock.Elapsed.TotalSeconds:F1} s: {line}");
        FuzzReport.Record(kind, count, clock.Elapsed.TotalSeconds, tally);
        Assert.That(bad, Is.Empty, $"{kind}: {line}\n{string.Join("\n", bad)}");
        // A refused input gives back everything it took, as a run that succeeds does.
        Assert.That((Tensor.LiveTensors, DafL.Memory.BufferPool.LiveBuffers), Is.EqualTo((liveTensors, liveBuffers)), $"{kind}: live tensors and pooled buffers after the campaign");
    }

    // ---------------------------------------------------------------- checkpoints

    [Test]
    public void TeacherCheckpointsIntoEvalAndDistill()
    {
        var pristine = File.ReadAllBytes(_ws.Teacher);
        string mutant = Path.Combine(_ws.Root, "mutant-teacher.safetensors"), runs = Path.Combine(_ws.Root, "teacher-runs");
        string[] Eval() => ["eval", "--model", mutant, "--dataset", "mnist", "--data", _ws.RawData, "--device", "cpu"];
        string[] Distill() => ["distill", "--teacher", mutant, "--preset", "mnist-quick", "--epochs", "0", "--batch", "4", "--iters", "2",
            "--gen-width", "8", "--latent", "8", "--no-eval", "--device", "cpu", "--out", runs];
        File.WriteAllBytes(mutant, pristine);
        var evalBaseline = InProcessCli.Run(Eval());
        var distillBaseline = InProcessCli.Run(Distill());
        Assert.That((evalBaseline.ExitCode, distillBaseline.ExitCode), Is.EqualTo((0, 0)), $"{evalBaseline}\n{distillBaseline}");
        int header = HeaderBytes(pristine);
        Campaign("checkpoint", Mutations, i =>
        {
            var (bytes, what) = new Mutator(1_000_000 + i).Mutate(pristine, header);
            bool eval = i % 2 == 0;
            var baseline = eval ? evalBaseline : distillBaseline;
            bool? valid = SafeTensorsMeaning.Same(pristine, bytes, Scratch) ? null : false;
            File.WriteAllBytes(mutant, bytes);
            var r = InProcessCli.Run(eval ? Eval() : Distill());
            return (FuzzOutcomes.Classify(r, () => FuzzWorkspace.WithoutTimings(r.Output) == FuzzWorkspace.WithoutTimings(baseline.Output), valid),
                $"{(eval ? "eval" : "distill")} {what}", r);
        });
    }

    /// <summary>The length of a safetensors file's 8-byte length and JSON header: where most mutations should land.</summary>
    static int HeaderBytes(byte[] file) => 8 + (int)BitConverter.ToUInt64(file, 0);

    // ---------------------------------------------------------------- IDX files

    [TestCase(false, TestName = "IdxFilesRawIntoEval")]
    [TestCase(true, TestName = "IdxFilesGzippedIntoEval")]
    public void IdxFilesIntoEval(bool gzip)
    {
        string root = gzip ? _ws.GzData : _ws.RawData, suffix = gzip ? ".gz" : "";
        string imagesPath = Path.Combine(FuzzWorkspace.MnistFolder(root), "t10k-images-idx3-ubyte" + suffix);
        string labelsPath = Path.Combine(FuzzWorkspace.MnistFolder(root), "t10k-labels-idx1-ubyte" + suffix);
        byte[] images = Decompressed(File.ReadAllBytes(imagesPath), gzip), labels = Decompressed(File.ReadAllBytes(labelsPath), gzip);
        byte[] imagesFile = File.ReadAllBytes(imagesPath), labelsFile = File.ReadAllBytes(labelsPath);
        string[] Eval() => ["eval", "--model", _ws.Teacher, "--dataset", "mnist", "--data", root, "--device", "cpu"];
        var baseline = InProcessCli.Run(Eval());
        Assert.That(baseline.ExitCode, Is.EqualTo(0), baseline.ToString());
        try
        {
            Campaign(gzip ? "idx-gz" : "idx-raw", Mutations, i =>
            {
                var m = new Mutator((gzip ? 3_000_000 : 2_000_000) + i);
                bool imageFile = m.Random.Next(2) == 0;
                // Gzipped: half of the mutations damage the compressed bytes (refused, or harmless: identical), half
                // change the content and compress it properly (then the content decides, as for a raw file).
                bool content = !gzip || m.Random.Next(2) == 0;
                byte[] newImages = images, newLabels = labels;
                string what;
                bool? valid;
                if (content)
                {
                    (var mutated, what) = m.Mutate(imageFile ? images : labels, imageFile ? 16 : 8);
                    if (imageFile) newImages = mutated; else newLabels = mutated;
                    valid = IdxOracle.Valid(newImages, newLabels);
                    File.WriteAllBytes(imageFile ? imagesPath : labelsPath, gzip ? SyntheticDataFiles.Gzip(mutated) : mutated);
                }
                else
                {
                    (var mutated, what) = m.Mutate(imageFile ? imagesFile : labelsFile, 10);
                    what = "compressed: " + what;
                    valid = null;
                    File.WriteAllBytes(imageFile ? imagesPath : labelsPath, mutated);
                }
                var r = InProcessCli.Run(Eval());
                File.WriteAllBytes(imagesPath, imagesFile);
                File.WriteAllBytes(labelsPath, labelsFile);
                return (FuzzOutcomes.Classify(r, () => r.Output == baseline.Output, valid), $"{(imageFile ? "images" : "labels")} {what}", r);
            });
        }
        finally
        {
            File.WriteAllBytes(imagesPath, imagesFile);
            File.WriteAllBytes(labelsPath, labelsFile);
        }
    }

    static byte[] Decompressed(byte[] bytes, bool gzip)
    {
        if (!gzip) return bytes;
        using var gz = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
        using var output = new MemoryStream();
        gz.CopyTo(output);
        return output.ToArray();
    }

    // ---------------------------------------------------------------- resume

    /// <summary>The checkpoints a resume of the unmutated run ends with.</summary>
    byte[][] ResumeBaseline()
    {
        string dir = _ws.CopyRun("resume-baseline");
        var r = InProcessCli.Run(_ws.ResumeArgs(dir));
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        return FuzzWorkspace.CheckpointBytes(dir);
    }

    [Test]
    public void ConfigJsonIntoResume()
    {
        var expected = ResumeBaseline();
        var pristine = File.ReadAllBytes(Path.Combine(_ws.Run, "config.json"));
        Campaign("config", Mutations, i =>
        {
            var m = new Mutator(4_000_000 + i);
            var (bytes, what) = m.Random.Next(3) == 0 ? m.Mutate(pristine, 0) : JsonMutations.Mutate(pristine, m);
            string dir = _ws.CopyRun("resume-config");
            File.WriteAllBytes(Path.Combine(dir, "config.json"), bytes);
            var r = InProcessCli.Run(_ws.ResumeArgs(dir));
            return (FuzzOutcomes.Classify(r, () => FuzzWorkspace.Same(FuzzWorkspace.CheckpointBytes(dir), expected)), $"{what} [{Mutator.Preview(bytes, 80)}]", r);
        });
    }

    [Test]
    public void StateFilesIntoResume()
    {
        var expected = ResumeBaseline();
        var pristine = File.ReadAllBytes(Path.Combine(_ws.Run, "state.safetensors"));
        int header = HeaderBytes(pristine);
        Campaign("state", Mutations, i =>
        {
            var m = new Mutator(5_000_000 + i);
            string dir = _ws.CopyRun("resume-state"), state = Path.Combine(dir, "state.safetensors");
            string what;
            if (m.Random.Next(2) == 0)
            {
                (var bytes, what) = m.Mutate(pristine, header);
                File.WriteAllBytes(state, bytes);
            }
            else
            {
                what = "re-signed: " + StateMutations.Apply(state, m);
            }
            // A state that says what the original says may resume (identically); any other must be refused.
            bool? valid = SafeTensorsMeaning.Same(pristine, File.ReadAllBytes(state), Scratch) ? null : false;
            var r = InProcessCli.Run(_ws.ResumeArgs(dir));
            return (FuzzOutcomes.Classify(r, () => FuzzWorkspace.Same(FuzzWorkspace.CheckpointBytes(dir), expected), valid), what, r);
        });
    }

    // ---------------------------------------------------------------- command lines

    [Test]
    public void CommandLines()
    {
        var lines = new CommandLineMutations(_ws);
        Campaign("cli", Mutations, i =>
        {
            var m = new Mutator(6_000_000 + i);
            var (args, mustFail, what) = lines.Mutate(m);
            var r = InProcessCli.Run(args);
            lines.RemoveOutputs();
            // A line that may be valid either runs or is refused clearly; one that is wrong must be refused.
            return (FuzzOutcomes.Classify(r, () => true, mustFail ? false : null), $"{what}: dafl {string.Join(' ', args.Select(Quote))}", r);
        });
    }

    static string Quote(string a) => a.Length == 0 || a.Contains(' ') ? $"'{a}'" : a;
}
