using System.CommandLine;
using DafL.Cli.Options;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary>Options several commands share.</summary>
public static class CommonOptions
{
    public static Option<string> Data() => new("--data") { Description = "Folder with the datasets (mnist/, fashion-mnist/, cifar-10-batches-bin/, cifar-100-binary/)", DefaultValueFactory = _ => "data" };
    public static Option<ulong> Seed() => CheckedOptions.Seed("Seed of every random stream (weights, noise, shuffling)", 1UL);
    public static Option<string> Dataset() => CheckedOptions.Choice("--dataset", DatasetCatalog.Names, "mnist | fashion-mnist | cifar10 | cifar100", "mnist");

    /// <summary>
    /// --device. The default is the CPU, not auto, so that the README's numbers come out the same on every machine;
    /// CUDA is an explicit choice. The choices are the registered backends' names (<see cref="DeviceChoice.Names"/>).
    /// </summary>
    public static Option<string> Device() =>
        CheckedOptions.Choice("--device", DeviceChoice.Names,
            $"{string.Join(" | ", DeviceChoice.Names)} (auto: the first backend besides the CPU that starts, e.g. CUDA, else the CPU)", "cpu");

    /// <summary>The device for --device's value; prints why when auto falls back to the CPU, throws when cuda is unavailable.</summary>
    public static Device ResolveDevice(string request)
    {
        var choice = DeviceChoice.Resolve(request);
        if (choice.Note != null) PrintNotes([choice.Note]);
        return choice.Device;
    }

    /// <summary>Prints each note as one "note:" line.</summary>
    public static void PrintNotes(IEnumerable<string> notes)
    {
        foreach (var note in notes) AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
    }

    /// <summary>A loaded classifier, after its notes (dtypes converted, a DataParallel prefix removed) are printed.</summary>
    public static LoadedClassifier Noted(LoadedClassifier loaded)
    {
        PrintNotes(loaded.Notes);
        return loaded;
    }
}
