using DafL.Errors;
using DafL.Training;

namespace DafL.Reports;

/// <summary>Reads any run the report takes, telling them apart by their files.</summary>
public static class RunReader
{
    const string Expected = "a distill run folder (config.json, metrics.jsonl), a teacher checkpoint (.safetensors beside its " +
        ".json and .metrics.jsonl) or the PyTorch reference's distill.jsonl (or its folder)";

    public static RunRecord Read(string path)
    {
        if (Directory.Exists(path))
        {
            if (File.Exists(Path.Combine(path, DaflDistiller.MetricsFile)) || File.Exists(Path.Combine(path, DaflDistiller.ConfigFile)))
                return DistillRunReader.Read(path);
            var reference = Path.Combine(path, ReferenceRunReader.FileName);
            if (File.Exists(reference)) return ReferenceRunReader.Read(reference);
            throw new InputException(path, "", Expected, "a folder with none of their files");
        }
        if (!File.Exists(path)) throw new InputException(path, "", Expected, "no such file or folder");
        if (Path.GetFileName(path) == ReferenceRunReader.FileName) return ReferenceRunReader.Read(path);
        if (path.EndsWith(".safetensors", StringComparison.Ordinal)) return TeacherRunReader.Read(path);
        throw new InputException(path, "", Expected, "another file");
    }

    /// <summary>Where <c>dafl report</c> writes the report of <paramref name="path"/> by default: report.html in a run folder, name.report.html beside a file.</summary>
    public static string DefaultReportPath(string path) =>
        Directory.Exists(path) ? Path.Combine(path, "report.html") : Path.ChangeExtension(path, ".report.html");
}
