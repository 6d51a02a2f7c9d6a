using System.Text.RegularExpressions;
using DafL.Reports;
using DafL.Tests.Support;
using SkiaSharp;

namespace DafL.Tests.Reports;

public partial class ReportPageTests : TempFolderTest
{
    string Run => Path.Combine(Dir, "run");
    string Teacher => Path.Combine(Dir, "teacher.safetensors");

    [GeneratedRegex("""\b(src|href|srcset|action|data|poster|background)\s*=\s*"([^"]*)""", RegexOptions.IgnoreCase)]
    private static partial Regex Links();

    [GeneratedRegex("""src="data:image/png;base64,([A-Za-z0-9+/=]+)" """ + "?", RegexOptions.None)]
    private static partial Regex EmbeddedPngs();

    [Test]
    public void TheReportIsOneFileThatLinksNothingOutside()
    {
        ReportRuns.Distill(Run, Teacher, epochs: 3, evaluation: true);
        var trained = Path.Combine(Dir, "trained.safetensors");
        ReportRuns.Teacher(trained, epochs: 2);
        var output = Path.Combine(Dir, "report.html");
        RunReport.Write([Run, trained], output);
        string html = File.ReadAllText(output);
        var links = Links().Matches(html).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        Assert.That(links, Is.Not.Empty);
        Assert.That(links.Where(l => !(l.Item1 == "src" && l.Item2.StartsWith("data:image/png;base64,", StringComparison.Ordinal))), Is.Empty,
            "every reference is an embedded PNG");
        Assert.That(html, Does.Not.Contain("<script").And.Not.Contain("<link").And.Not.Contain("url(").And.Not.Contain("@import"));
    }

    [Test]
    public void EveryPngDecodesWithItsSizeAndTheDistillSectionHasAllItsParts()
    {
        ReportRuns.Distill(Run, Teacher, epochs: 3, evaluation: true);
        string html = RunReport.Render([RunReader.Read(Run)]);
        var sizes = EmbeddedPngs().Matches(html).Select(m =>
        {
            using var bitmap = SKBitmap.Decode(Convert.FromBase64String(m.Groups[1].Value));
            Assert.That(bitmap, Is.Not.Null, "a PNG that decodes");
            return (bitmap.Width, bitmap.Height);
        }).ToList();
        // Accuracy, losses (2×2 grid), learning rates, step time, samples (64 tiles of 32×3 + 2 pixels, 8 columns, captions).
        Assert.That(sizes, Is.EqualTo(new[] { (900, 420), (1200, 640), (900, 420), (900, 420), (8 * 98 + 2, 8 * 112 + 2) }));
        Assert.That(html, Does.Contain("best test accuracy (epoch)").And.Contain("most often mistaken for").And.Contain("iters_per_epoch"));
        Assert.That(html, Does.Not.Contain("Runs compared"), "one run: nothing to compare");
    }

    [Test]
    public void TextFromTheRunsIsEscaped()
    {
        var hostile = new RunRecord(RunKind.Reference, "<script>alert(\"x\")</script> & 'q'", "x", [KeyValuePair.Create("note", "<b>bold</b>")],
            [new EpochPoint(1, 0.5, new Dictionary<string, double>(), new Dictionary<string, double>(), null, null)], null, null, null, null, ["a < b"]);
        string html = RunReport.Render([hostile]);
        Assert.That(html, Does.Not.Contain("<script>").And.Not.Contain("<b>bold").And.Not.Contain("a < b"));
        Assert.That(html, Does.Contain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;").And.Contain("&lt;b&gt;bold&lt;/b&gt;").And.Contain("a &lt; b"));
    }

    [Test]
    public void SeveralRunsAreComparedOnOnePlot()
    {
        var runs = new List<RunRecord>();
        for (int seed = 1; seed <= 2; seed++)
        {
            ReportRuns.Distill(Path.Combine(Dir, $"seed{seed}"), Teacher, epochs: 2, evaluation: false, seed: (ulong)seed);
            runs.Add(RunReader.Read(Path.Combine(Dir, $"seed{seed}")));
        }
        ReportRuns.Reference(Path.Combine(Dir, "distill.jsonl"), epochs: 3);
        runs.Add(RunReader.Read(Path.Combine(Dir, "distill.jsonl")));
        string html = RunReport.Render(runs);
        Assert.That(html, Does.Contain("Runs compared"));
        Assert.That(Regex.Matches(html, "<h2>").Count, Is.EqualTo(4), "the comparison and one section a run");
    }
}
