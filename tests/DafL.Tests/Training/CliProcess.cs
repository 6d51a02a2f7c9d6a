using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace DafL.Tests.Training;

/// <summary>
/// The CLI as a child process: the apphost <c>dafl</c> in the test output folder (the tests reference the CLI), or
/// <c>dotnet dafl.dll</c> when the apphost cannot start. The child finds this process's runtime through DOTNET_ROOT.
/// </summary>
public sealed class CliProcess
{
    readonly string _file;
    readonly string[] _prefix;
    readonly string _dotnetRoot;

    CliProcess(string file, string[] prefix, string dotnetRoot) => (_file, _prefix, _dotnetRoot) = (file, prefix, dotnetRoot);

    /// <summary>A CLI that answers <c>--help</c>, or null with the reason it could not be started.</summary>
    public static CliProcess? Find(out string why)
    {
        string folder = TestContext.CurrentContext.TestDirectory;
        // The running runtime: <root>/shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll.
        string root = Environment.GetEnvironmentVariable("DOTNET_ROOT")
            ?? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var tried = new List<string>();
        foreach (var candidate in new[]
        {
            new CliProcess(Path.Combine(folder, OperatingSystem.IsWindows() ? "dafl.exe" : "dafl"), [], root),
            new CliProcess(Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"), [Path.Combine(folder, "dafl.dll")], root),
        })
        {
            try
            {
                using var help = candidate.Start(["--help"]);
                if (help.Process.WaitForExit(60_000) && help.Process.ExitCode == 0)
                {
                    why = "";
                    return candidate;
                }
                help.Kill();
                tried.Add($"{candidate._file}: exit {(help.Process.HasExited ? help.Process.ExitCode : "none in 60 s")} {help.Errors.Trim()}");
            }
            catch (Win32Exception e)
            {
                tried.Add($"{candidate._file}: {e.Message}");
            }
        }
        why = "the CLI cannot be started: " + string.Join("; ", tried);
        return null;
    }

    /// <summary>Starts the CLI with <paramref name="args"/>; its output is collected (a full pipe would block it).</summary>
    public Child Start(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(_file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in _prefix.Concat(args)) info.ArgumentList.Add(a);
        info.Environment["DOTNET_ROOT"] = _dotnetRoot;
        info.Environment["NO_COLOR"] = "1";
        return new Child(Process.Start(info)!);
    }

    /// <summary>A started CLI process with what it wrote to stderr.</summary>
    public sealed class Child : IDisposable
    {
        readonly StringBuilder _errors = new();

        public Child(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) => { lock (_errors) _errors.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Errors
        {
            get { lock (_errors) return _errors.ToString(); }
        }

        /// <summary>SIGKILL, as kill -9: nothing of the child runs after it. It starts no processes of its own, so no tree is walked (that would delay the signal).</summary>
        public void Kill()
        {
            try
            {
                Process.Kill();
            }
            catch (InvalidOperationException)
            {
                // it had exited already
            }
            Process.WaitForExit();
        }

        public void Dispose()
        {
            Kill();
            Process.Dispose();
        }
    }
}
