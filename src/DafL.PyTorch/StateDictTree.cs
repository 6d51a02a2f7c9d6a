using System.Collections;
using DafL.Errors;
using static DafL.PyTorch.TorchConstructors;

namespace DafL.PyTorch;

/// <summary>
/// The tensors of what a checkpoint's pickle held, by state-dict key, in the order they were saved: a state dict
/// (<c>torch.save(net.state_dict())</c>) as it is, a whole module (<c>torch.save(net)</c>, as the official DAFL code
/// saves) flattened as <c>state_dict()</c> would — each module's <c>_parameters</c>, its persistent <c>_buffers</c>,
/// then its <c>_modules</c>, keys joined with '.', None entries left out. A DataParallel checkpoint's keys all start
/// with <c>module.</c>; that prefix is removed.
/// </summary>
static class StateDictTree
{
    public const string DataParallelPrefix = "module.";

    public sealed record Flattened(List<(string Key, PickledTensor Tensor)> Entries, string? ModuleClass, bool StrippedPrefix);

    public static Flattened Flatten(object? root, string source)
    {
        var entries = new List<(string Key, PickledTensor Tensor)>();
        string? moduleClass = null;
        if (root is ModuleShell module)
        {
            moduleClass = module.ClassName;
            Collect(module, "", entries, source, new HashSet<ModuleShell>(ReferenceEqualityComparer.Instance));
        }
        else if (root is Hashtable dict)
        {
            foreach (DictionaryEntry e in dict)
            {
                if (e.Key is not string key || e.Value is not PickledTensor tensor)
                    throw new InputException(source, e.Key is string k ? $"entry '{InputText.Show(k)}'" : "entries",
                        "a state dict (names to tensors) or a pickled nn.Module", e.Key is string ? Describe(e.Value) : $"the key {Describe(e.Key)}");
                entries.Add((key, tensor));
            }
        }
        else throw new InputException(source, "pickled object", "a state dict (names to tensors) or a pickled nn.Module", Describe(root));

        // Razorvine fills a dict's batch of items last first; the pickle built the tensors in the order they were saved.
        entries = entries.OrderBy(e => e.Tensor.Sequence).ThenBy(e => e.Key, StringComparer.Ordinal).ToList();
        bool wrapped = entries.Count > 0 && entries.All(e => e.Key.StartsWith(DataParallelPrefix, StringComparison.Ordinal));
        if (wrapped) entries = entries.Select(e => (e.Key[DataParallelPrefix.Length..], e.Tensor)).ToList();
        return new Flattened(entries, moduleClass, wrapped);
    }

    static void Collect(ModuleShell module, string prefix, List<(string, PickledTensor)> into, string source, HashSet<ModuleShell> path)
    {
        if (!path.Add(module)) throw new InputException(source, $"module '{InputText.Show(prefix.TrimEnd('.'))}'", "a tree of modules", "a module that contains itself");
        var state = module.State!; // a module class's every build was checked to have the three tables
        var transient = state["_non_persistent_buffers_set"] as HashSet<object> ?? [];
        foreach (DictionaryEntry e in Sorted((Hashtable)state["_parameters"]!))
            Add(into, prefix, e, source, "parameter");
        foreach (DictionaryEntry e in Sorted((Hashtable)state["_buffers"]!))
            if (!transient.Contains(e.Key)) Add(into, prefix, e, source, "buffer");
        foreach (DictionaryEntry e in Sorted((Hashtable)state["_modules"]!))
        {
            if (e.Value is null) continue;
            if (e.Key is not string name || e.Value is not ModuleShell child)
                throw new InputException(source, $"module '{InputText.Show(prefix + e.Key)}'", "a module", Describe(e.Value));
            Collect(child, prefix + name + ".", into, source, path);
        }
        path.Remove(module);
    }

    static void Add(List<(string, PickledTensor)> into, string prefix, DictionaryEntry e, string source, string what)
    {
        if (e.Value is null) return; // an absent bias: state_dict() leaves it out
        if (e.Key is not string name || e.Value is not PickledTensor tensor)
            throw new InputException(source, $"{what} '{InputText.Show(prefix + e.Key)}'", "a tensor", Describe(e.Value));
        into.Add((prefix + name, tensor));
    }

    static IEnumerable<DictionaryEntry> Sorted(Hashtable table) =>
        table.Cast<DictionaryEntry>().OrderBy(e => e.Key as string ?? "", StringComparer.Ordinal);
}
