using System.CommandLine;
using DafL.Errors;
using DafL.IO;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary>
/// <c>dafl convert X Y.safetensors</c>: a checkpoint in any format a classifier loads from (a PyTorch <c>.pt</c>,
/// the official code's extensionless <c>teacher</c>, safetensors) written as safetensors with PyTorch's keys, every
/// tensor kept. The output loads in PyTorch (safetensors' <c>load_file</c>, then <c>load_state_dict</c>) and here.
/// </summary>
public static class ConvertCommand
{
    const string Extension = ".safetensors";

    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "Checkpoint to read: PyTorch (zip or legacy; a state dict or a pickled module) or safetensors" };
        var output = new Argument<string>("output") { Description = "Safetensors file to write (written to a temporary file, then renamed)" };
        var command = new Command("convert", "Write a checkpoint (a PyTorch .pt, the official code's teacher file) as safetensors.") { input, output };
        command.SetAction(p =>
        {
            Convert(p.GetValue(input)!, p.GetValue(output)!);
            return 0;
        });
        return command;
    }

    static void Convert(string input, string output)
    {
        if (!output.EndsWith(Extension, StringComparison.OrdinalIgnoreCase))
            throw new InputException("output", "", $"a file name ending in {Extension}", InputText.Show(output));
        if (File.Exists(input) && Path.GetFullPath(input) == Path.GetFullPath(output))
            throw new InputException("output", "", "a file other than the input", InputText.Show(output));
        OutputPath.File(output, "output");
        using var file = StateDictFile.Read(input);
        CommonOptions.PrintNotes(file.Notes);
        SafeTensors.Save(output, file.Names.Select(n => (n, file.Tensors[n])),
            new Dictionary<string, string> { ["format"] = "pt", ["converted_from"] = Path.GetFileName(input) });
        long values = file.Tensors.Values.Sum(t => t.Numel);
        AnsiConsole.MarkupLine($"Wrote {file.Names.Count} tensors ({values:N0} values) of {Markup.Escape(input)} ({file.Format}) to [bold]{Markup.Escape(output)}[/]");
    }
}
