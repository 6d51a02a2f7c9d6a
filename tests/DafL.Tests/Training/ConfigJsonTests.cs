using DafL.Backends.Cuda;
using System.Text.Json;
using System.Text.Json.Nodes;
using DafL.Errors;
using DafL.Training;

namespace DafL.Tests.Training;

/// <summary>config.json is read strictly: each key with its type, none missing, none unknown; errors name file and key.</summary>
public class ConfigJsonTests
{
    const string Source = "runs/x/config.json";

    /// <summary>A config whose every setting differs from the defaults, so a key that is not read back shows.</summary>
    static readonly DistillConfig Unusual = new()
    {
        Preset = "cifar10", Dataset = "cifar10", Teacher = "resnet34", Student = "resnet18", NumClasses = 10, Channels = 3,
        ImageSize = 28, BatchSize = 7, Epochs = 9, ItersPerEpoch = 11, LatentDim = 13, GeneratorWidth = 6, LrG = 0.125f,
        LrS = 3.5e-3f, StudentOptimizer = "sgd", StudentMomentum = 0.75f, StudentWeightDecay = 1e-4f,
        StudentLrMilestones = [3, 5], GeneratorLrMilestones = [4], StudentEma = 0.5f, Oh = 0.25f, Ie = 4f, A = 0.5f,
        Entropy = LossVariant.Paper, Activation = LossVariant.Paper, Seed = ulong.MaxValue, Device = Device.Cuda,
        RunId = "0123456789abcdef",
    };

    static string Json => Unusual.ToJson();

    static InputProblem Refusal(string json) => Assert.Throws<InputException>(() => DistillConfig.FromJson(json, Source))!.Problem;

    static string With(string key, JsonNode? value)
    {
        var o = JsonNode.Parse(Json)!.AsObject();
        o[key] = value;
        return o.ToJsonString();
    }

    static IEnumerable<string> Keys => JsonNode.Parse(new DistillConfig().ToJson())!.AsObject().Select(p => p.Key);

    [Test]
    public void WhatToJsonWritesFromJsonReadsBackWhole()
    {
        var read = DistillConfig.FromJson(Json, Source);
        Assert.That(read.ToJson(), Is.EqualTo(Json));
        Assert.That(read.Seed, Is.EqualTo(ulong.MaxValue));
        Assert.That(read.Entropy, Is.EqualTo(LossVariant.Paper));
    }

    [TestCaseSource(nameof(Keys))]
    public void AValueOfTheWrongTypeIsNamedByItsKey(string key)
    {
        var problem = Refusal(With(key, new JsonObject { ["x"] = 1 }));
        Assert.That(problem.Source, Is.EqualTo(Source));
        Assert.That(problem.Field, Is.EqualTo(key));
        Assert.That(problem.Found, Is.EqualTo("{\"x\":1}"));
        Assert.That(problem.Expected, Is.Not.Empty);
    }

    [TestCaseSource(nameof(Keys))]
    public void AMissingKeyIsNamed(string key)
    {
        var o = JsonNode.Parse(Json)!.AsObject();
        o.Remove(key);
        var problem = Refusal(o.ToJsonString());
        Assert.That((problem.Source, problem.Field, problem.Found), Is.EqualTo((Source, key, "no such key")));
    }

    [Test]
    public void AnUnknownKeyIsRefused() =>
        Assert.That(Refusal(With("batch", 64)), Is.EqualTo(new InputProblem(Source, "batch", "a known setting", "an unknown key")));

    [Test]
    public void AKeyTwiceIsRefused() =>
        Assert.That(Refusal(Json.Replace("\"seed\":", "\"seed\": 1, \"seed\":")), Is.EqualTo(new InputProblem(Source, "seed", "each key once", "it twice")));

    [TestCase("{\"preset\": ", "line 1, byte 12")]
    [TestCase("{\"preset\": 'mnist'}", "line 1, byte 12")]
    [TestCase("{\n\"preset\": \"mnist\",\n}", "line 3")]
    [TestCase("", "line 1, byte 1")]
    public void InvalidJsonIsNamedWithItsPosition(string json, string where)
    {
        var problem = Refusal(json);
        Assert.That((problem.Source, problem.Field, problem.Expected), Is.EqualTo((Source, "JSON", "valid JSON")));
        Assert.That(problem.Found, Does.Contain(where));
    }

    [TestCase("[1, 2]", "an array")]
    [TestCase("\"mnist\"", "a string")]
    [TestCase("null", "null")]
    public void TheTopLevelMustBeAnObject(string json, string found) =>
        Assert.That(Refusal(json), Is.EqualTo(new InputProblem(Source, "JSON", "an object of settings", found)));

    [TestCase("batch_size", "64.5")]
    [TestCase("batch_size", "2147483648")]
    [TestCase("batch_size", "\"64\"")]
    [TestCase("seed", "-1")]
    [TestCase("seed", "18446744073709551616")]
    [TestCase("lr_g", "1e39")]
    [TestCase("lr_g", "\"0.2\"")]
    [TestCase("student_lr_milestones", "[1, 2.5]")]
    [TestCase("student_lr_milestones", "5")]
    [TestCase("entropy", "1")]
    [TestCase("entropy", "\"Official, Paper\"")]
    [TestCase("entropy", "\"0\"")]
    [TestCase("preset", "7")]
    [TestCase("run_id", "\"0123\"")]
    [TestCase("run_id", "\"0123456789ABCDEF\"")]
    public void NumbersStringsArraysAndNamesAreReadStrictly(string key, string raw) =>
        Assert.That(Refusal(With(key, JsonNode.Parse(raw))), Has.Property(nameof(InputProblem.Field)).EqualTo(key)
            .And.Property(nameof(InputProblem.Found)).EqualTo(JsonNode.Parse(raw)!.ToJsonString()));

    [Test]
    public void LossVariantsAreReadByNameInAnyCase() =>
        Assert.That(DistillConfig.FromJson(With("activation", "official"), Source).Activation, Is.EqualTo(LossVariant.Official));

    [Test]
    public void WhatWasFoundIsQuotedShortOnOneLine()
    {
        var problem = Refusal(With("preset", new JsonArray([.. Enumerable.Range(0, 500).Select(i => (JsonNode?)i)])));
        Assert.That(problem.Found, Does.EndWith("characters)").And.Contain("…").And.Length.LessThan(120));
        Assert.That(Refusal(Json.Replace("\"student_lr_milestones\": [", "\"student_lr_milestones\": [\n\"a\",\n")).Found, Does.Not.Contain("\n"));
    }

    [Test]
    public void AnEscapeThatIsNoTextIsRefusedNotThrown()
    {
        Assert.That(Refusal(With("preset", "x").Replace("\"preset\":\"x\"", "\"preset\":\"\\uD800\"")).Field, Is.EqualTo("preset"));
        Assert.That(Refusal(Json.Replace("{", "{\"\\uDC00\": 1,")).Field, Is.EqualTo("JSON"));
    }

    [Test]
    public void TheSettingsChecksRunOnWhatWasRead() =>
        Assert.That(Assert.Throws<InputException>(() => DistillConfig.FromJson(With("batch_size", 1), Source))!.Message, Does.Contain("found 1"));

    [Test]
    public void LoadRefusesWhatIsNoConfigFileBeforeReadingIt()
    {
        var dir = Directory.CreateTempSubdirectory("dafl-config-").FullName;
        try
        {
            var big = Path.Combine(dir, "config.json");
            File.WriteAllText(big, Json + new string(' ', (int)DistillConfig.MaxFileBytes));
            Assert.That(Assert.Throws<InputException>(() => DistillConfig.Load(big))!.Problem.Source, Is.EqualTo(big));
            Assert.That(Assert.Throws<InputException>(() => DistillConfig.Load(dir))!.Problem.Found, Is.EqualTo("a directory"));
            Assert.That(Assert.Throws<InputException>(() => DistillConfig.Load("/dev/zero"))!.Problem.Found, Is.EqualTo("a character device"));
            File.WriteAllText(big, Json);
            Assert.That(DistillConfig.Load(big).RunId, Is.EqualTo(Unusual.RunId));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void RunIdsAreRandomAndWellFormed()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => RunIds.New()).ToList();
        Assert.That(ids.Distinct().Count(), Is.EqualTo(100));
        Assert.That(ids, Is.All.Matches<string>(RunIds.IsWellFormed));
        Assert.That(RunIds.IsWellFormed(""), Is.False);
        Assert.That(JsonSerializer.Serialize(ids[0]), Is.EqualTo($"\"{ids[0]}\""), "nothing in it to escape");
    }
}
