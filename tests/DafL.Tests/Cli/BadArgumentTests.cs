using System.Text.RegularExpressions;
using DafL.Cli;
using DafL.Cli.Options;
using DafL.Errors;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Cli;

/// <summary>
/// Every kind of bad argument, for every command, is refused before anything runs: exit 2 and exactly one line
/// "error: OPTION: expected …, found …", in our words, never System.CommandLine's ("as expected type
/// 'System.Nullable`1[System.Int32]'"). Each case states the whole line, so a message that drifts fails here.
/// </summary>
[NonParallelizable] // the console is process-wide
public class BadArgumentTests
{
    static readonly Regex OneLine = new(@"^error: (--[a-z0-9-]+|[A-Z][A-Z0-9_]*|command line(: '.*')?): expected .+, found .+\.( \(.+\))?$");

    static TestCaseData Case(string line, params string[] args) => new TestCaseData(args, line).SetArgDisplayNames(string.Join(" ", args.Select(a => a.Length == 0 ? "''" : a)));

    static IEnumerable<TestCaseData> ParseTimeCases()
    {
        // distill: numbers out of their type, out of range, not numbers at all, empty; names outside their lists.
        yield return Case("error: --batch: expected a whole number from 2 to 65536, found 'abc'.", "distill", "--teacher", "t", "--batch", "abc");
        yield return Case("error: --batch: expected a whole number from 2 to 65536, found 2147483647.", "distill", "--teacher", "t", "--batch", "2147483647");
        yield return Case("error: --batch: expected a whole number from 2 to 65536, found 1.", "distill", "--teacher", "t", "--batch", "1");
        yield return Case("error: --epochs: expected a whole number from 0 to 1000000, found 9223372036854775808.", "distill", "--teacher", "t", "--epochs", "9223372036854775808");
        yield return Case("error: --epochs: expected a whole number from 0 to 1000000, found -1.", "distill", "--teacher", "t", "--epochs", "-1");
        yield return Case("error: --iters: expected a whole number from 1 to 1000000, found '-0x5'.", "distill", "--teacher", "t", "--iters", "-0x5");
        yield return Case("error: --iters: expected a whole number from 1 to 1000000, found 2.5.", "distill", "--teacher", "t", "--iters", "2.5");
        yield return Case("error: --latent: expected a whole number from 1 to 65536, found an empty value.", "distill", "--teacher", "t", "--latent", "");
        yield return Case("error: --gen-width: expected an even whole number from 2 to 4096, found 2147483646.", "distill", "--teacher", "t", "--gen-width", "2147483646");
        yield return Case("error: --gen-width: expected an even whole number from 2 to 4096, found 15.", "distill", "--teacher", "t", "--gen-width", "15");
        yield return Case("error: --lr-g: expected a learning rate, a number in (0, 10], found 1e30.", "distill", "--teacher", "t", "--lr-g", "1e30");
        yield return Case("error: --lr-g: expected a learning rate, a number in (0, 10], found 1e999.", "distill", "--teacher", "t", "--lr-g", "1e999");
        yield return Case("error: --lr-g: expected a learning rate, a number in (0, 10], found 'abc'.", "distill", "--teacher", "t", "--lr-g", "abc");
        yield return Case("error: --lr-s: expected a learning rate, a number in (0, 10], found 'NaN'.", "distill", "--teacher", "t", "--lr-s", "NaN");
        yield return Case("error: --lr-s: expected a learning rate, a number in (0, 10], found 0.", "distill", "--teacher", "t", "--lr-s", "0");
        yield return Case("error: --lr-s: expected a learning rate, a number in (0, 10], found 1e-50.", "distill", "--teacher", "t", "--lr-s", "1e-50"); // 0 as a float
        yield return Case("error: --oh: expected a weight, a number in [0, 1000000], found -1.", "distill", "--teacher", "t", "--oh", "-1");
        yield return Case("error: --ie: expected a weight, a number in [0, 1000000], found 'Infinity'.", "distill", "--teacher", "t", "--ie", "Infinity");
        yield return Case("error: --a: expected a weight, a number in [0, 1000000], found 1e7.", "distill", "--teacher", "t", "--a", "1e7");
        yield return Case("error: --student-ema: expected a decay, a number in [0, 1), found 1.", "distill", "--teacher", "t", "--student-ema", "1");
        yield return Case("error: --lr-s-milestones: expected values, each a whole number from 0 to 1000000, found -1.", "distill", "--teacher", "t", "--lr-s-milestones", "10", "-1");
        yield return Case("error: --lr-g-milestones: expected values, each a whole number from 0 to 1000000, found 'x'.", "distill", "--teacher", "t", "--lr-g-milestones", "x");
        yield return Case("error: --seed: expected a whole number from 0 to 18446744073709551615, found 18446744073709551616.", "distill", "--teacher", "t", "--seed", "18446744073709551616");
        yield return Case("error: --entropy: expected one of Official, Paper, found 'Natural'.", "distill", "--teacher", "t", "--entropy", "Natural");
        yield return Case("error: --activation: expected one of Official, Paper, found 1.", "distill", "--teacher", "t", "--activation", "1");
        yield return Case("error: --student: expected one of lenet5, lenet5-half, resnet18, resnet34, found 'vgg'.", "distill", "--teacher", "t", "--student", "vgg");
        yield return Case("error: --preset: expected one of mnist, mnist-quick, mnist-long, fashion-mnist, cifar10, cifar100, found 'imagenet'.", "distill", "--teacher", "t", "--preset", "imagenet");
        yield return Case("error: --device: expected one of cpu, cuda, auto, found 'tpu'.", "distill", "--teacher", "t", "--device", "tpu");
        // distill: the shape of the command line.
        yield return Case("error: command line: '--xyz': expected an option of `dafl distill` (see dafl distill --help), found an unknown option.", "distill", "--teacher", "t", "--xyz");
        yield return Case("error: command line: '9': expected an option of `dafl distill` (see dafl distill --help), found an unknown word.", "distill", "--teacher", "t", "--batch", "8", "9");
        yield return Case("error: command line: '@args.txt': expected an option of `dafl distill` (see dafl distill --help), found an unknown word.", "distill", "--teacher", "t", "@args.txt");
        yield return Case("error: --teacher: expected a value (required), found none.", "distill");
        yield return Case("error: --teacher: expected a value, found none.", "distill", "--teacher");
        yield return Case("error: --batch: expected one value, found 2.", "distill", "--teacher", "t", "--batch", "4", "--batch", "8");
        yield return Case("error: --batch: expected a whole number from 2 to 65536, found '--seed'.", "distill", "--teacher", "t", "--batch", "--seed", "3");

        // teacher
        yield return Case("error: --epochs: expected a whole number from 0 to 10000, found 10001.", "teacher", "--epochs", "10001");
        yield return Case("error: --batch: expected a whole number from 2 to 16384, found 16385.", "teacher", "--batch", "16385");
        yield return Case("error: --lr: expected a learning rate, a number in (0, 10], found -0.001.", "teacher", "--lr", "-0.001");
        yield return Case("error: --dataset: expected one of mnist, fashion-mnist, cifar10, cifar100, found 'imagenet'.", "teacher", "--dataset", "imagenet");
        yield return Case("error: --seed: expected a whole number from 0 to 18446744073709551615, found 'abc'.", "teacher", "--seed", "abc");
        // eval
        yield return Case("error: --model: expected a value (required), found none.", "eval");
        yield return Case("error: --dataset: expected one of mnist, fashion-mnist, cifar10, cifar100, found 'svhn'.", "eval", "--model", "m", "--dataset", "svhn");
        yield return Case("error: command line: 'yes': expected an option of `dafl eval` (see dafl eval --help), found an unknown word.", "eval", "--model", "m", "--per-class", "yes");
        // export
        yield return Case("error: --model: expected a value (required), found none.", "export", "--onnx", "m.onnx");
        yield return Case("error: --onnx: expected a value (required), found none.", "export", "--model", "m");
        yield return Case("error: --batch: expected dynamic or a whole number from 1 to 65536, found 0.", "export", "--model", "m", "--onnx", "m.onnx", "--batch", "0");
        yield return Case("error: --batch: expected dynamic or a whole number from 1 to 65536, found 65537.", "export", "--model", "m", "--onnx", "m.onnx", "--batch", "65537");
        yield return Case("error: --batch: expected dynamic or a whole number from 1 to 65536, found 'Dynamic'.", "export", "--model", "m", "--onnx", "m.onnx", "--batch", "Dynamic");
        // sample
        yield return Case("error: --teacher: expected a value (required), found none.", "sample");
        yield return Case("error: --count: expected a whole number from 1 to 4096, found 0.", "sample", "--teacher", "t", "--count", "0");
        yield return Case("error: --count: expected a whole number from 1 to 4096, found 4097.", "sample", "--teacher", "t", "--count", "4097");
        yield return Case("error: --seed: expected a whole number from 0 to 18446744073709551615, found -5.", "sample", "--teacher", "t", "--seed", "-5");
        // report
        yield return Case("error: RUN: expected a value (required, in this place; see dafl report --help), found none.", "report");
        yield return Case("error: command line: '--bogus': expected an option of `dafl report` (see dafl report --help), found an unknown option.", "report", "r", "--bogus");
        // demo
        yield return Case("error: --teacher-epochs: expected a whole number from 0 to 10000, found -1.", "demo", "--teacher-epochs", "-1");
        yield return Case("error: --device: expected one of cpu, cuda, auto, found 'gpu'.", "demo", "--device", "gpu");
        // profile
        yield return Case("error: --warmup: expected a whole number from 0 to 100000, found -1.", "profile", "--warmup", "-1");
        yield return Case("error: --steps: expected a whole number from 1 to 100000, found 0.", "profile", "--steps", "0");
        yield return Case("error: --top: expected a whole number from 1 to 10000, found 1e3.", "profile", "--top", "1e3");
        yield return Case("error: --batch: expected a whole number from 2 to 65536, found 1.", "profile", "--batch", "1");
        yield return Case("error: --gen-width: expected an even whole number from 2 to 4096, found 3.", "profile", "--gen-width", "3");
        // doctor
        yield return Case("error: --batch: expected a whole number from 2 to 4096, found 4097.", "doctor", "--batch", "4097");
        yield return Case("error: --steps: expected a whole number from 0 to 1000, found 1001.", "doctor", "--steps", "1001");
        yield return Case("error: --device: expected one of auto, cuda, cpu, found 'tpu'.", "doctor", "--device", "tpu");
        // dafl itself
        yield return Case("error: command line: expected a command (teacher, distill, eval, export, sample, convert, report, demo, profile, doctor; see dafl --help), found none.");
        yield return Case("error: command line: expected a command (teacher, distill, eval, export, sample, convert, report, demo, profile, doctor; see dafl --help), found none.", "--verbose");
        yield return Case("error: command line: 'foo': expected a command of dafl (teacher, distill, eval, export, sample, convert, report, demo, profile, doctor; see dafl --help), found an unknown word.", "foo");
        yield return Case("error: command line: '-x': expected a command of dafl (teacher, distill, eval, export, sample, convert, report, demo, profile, doctor; see dafl --help), found an unknown option.", "-x");
    }

    [TestCaseSource(nameof(ParseTimeCases))]
    public void IsRefusedInOneLineNamingTheOption(string[] args, string line)
    {
        var outcome = InProcessCli.Run(args);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(outcome.ErrorLines, Is.EqualTo(new[] { line }));
        Assert.That(line, Does.Match(OneLine));
        Assert.That(outcome.Output, Is.Empty, "nothing ran");
    }

    /// <summary>Values in range whose products are not: refused by the settings check, before a teacher is loaded (there is none at "t").</summary>
    [TestCase("--batch", "expected at most 16383 images per batch for generator width 128 at 32×32", "distill", "--teacher", "t", "--batch", "65536")]
    [TestCase("--iters", "expected at most 2147 iterations per epoch for 1000000 epochs", "distill", "--teacher", "t", "--epochs", "1000000", "--iters", "1000000")]
    [TestCase("--latent", "expected at most 8191 for batch 2 and generator width 4096 at 32×32", "distill", "--teacher", "t", "--batch", "2", "--gen-width", "4096", "--latent", "65536")]
    [TestCase("--batch", "expected at most 32767 images per batch for generator width 16 at 32×32", "profile", "--batch", "60000")]
    public void ProductsThatWouldOverflowAreRefusedBeforeLoading(string option, string expected, params string[] args)
    {
        var outcome = InProcessCli.Run(args);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(outcome.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(outcome.ErrorLines[0], Does.StartWith($"error: {option}: {expected}").And.Match(OneLine));
    }

    /// <summary>A range is stated once: the parser's line for a value is the settings check's problem for it.</summary>
    [Test]
    public void TheParserAndTheSettingsCheckSayTheSame()
    {
        var parsed = InProcessCli.Run("distill", "--teacher", "t", "--batch", "1");
        var validated = SettingOptions.Named(Assert.Throws<SettingException>(() => (DistillPresets.Get("mnist") with { BatchSize = 1 }).Validate())!);
        Assert.That(parsed.ErrorLines[0], Is.EqualTo($"error: {validated.Problem}."));
    }

    [TestCase("--help")]
    [TestCase("distill", "--help")]
    [TestCase("distill", "--batch", "abc", "-h")]
    [TestCase("teacher", "-?")]
    public void HelpIsPrintedAndExitsZero(params string[] args)
    {
        var previous = Console.Out;
        var help = new StringWriter();
        Console.SetOut(help);
        InProcessCli.Result outcome;
        try { outcome = InProcessCli.Run(args); }
        finally { Console.SetOut(previous); }
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Ok));
        Assert.That(outcome.ErrorLines, Is.Empty);
        Assert.That(help.ToString(), Does.Contain("Usage:").And.Contain("Options:"));
    }
}
