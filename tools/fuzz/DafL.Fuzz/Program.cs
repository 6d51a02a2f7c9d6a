using SharpFuzz;

namespace DafL.Fuzzing;

/// <summary>
/// The fuzz program. Modes:
/// <list type="bullet">
/// <item><c>fuzz TARGET SCRATCH</c>: AFL's fork server (SharpFuzz) feeding each input to TARGET, writing its file in
/// the folder SCRATCH (a tmpfs: one file written per input); run by afl-fuzz as <c>dotnet DafL.Fuzz.dll ...</c>.</item>
/// <item><c>replay TARGET SCRATCH FILE...</c>: runs each input once and prints its outcome (see <see cref="Replay"/>).</item>
/// <item><c>seeds FOLDER</c>: writes the seed inputs, one folder per target (see <see cref="Seeds"/>).</item>
/// </list>
/// </summary>
static class Program
{
    const string Usage = "usage: DafL.Fuzz fuzz TARGET SCRATCH | replay TARGET SCRATCH FILE... | seeds FOLDER";

    static int Main(string[] args)
    {
        switch (args)
        {
            case ["fuzz", var target, var scratch]:
                Fuzz(FuzzTarget.Named(target), scratch);
                return 0;
            case ["replay", var target, var scratch, .. var files]:
                return Replay.Run(FuzzTarget.Named(target), scratch, files);
            case ["seeds", var folder]:
                Seeds.Write(folder);
                return 0;
            default:
                Console.Error.WriteLine(Usage);
                return 2;
        }
    }

    /// <summary>
    /// Out of process: SharpFuzz's fork server runs the target in a child process and starts a new one when a
    /// child dies, so a hang (killed by afl-fuzz's timeout) or a stack overflow is recorded and fuzzing goes on,
    /// where the in-process server would end the whole session.
    /// </summary>
    static void Fuzz(FuzzTarget target, string scratch)
    {
        Directory.CreateDirectory(scratch);
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var input = new MemoryStream();
            stream.CopyTo(input);
            target.Run(input.GetBuffer().AsSpan(0, (int)input.Length), scratch);
        });
    }
}
