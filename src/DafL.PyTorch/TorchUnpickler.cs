using System.Collections;
using DafL.Errors;
using Razorvine.Pickle;
using static DafL.PyTorch.TorchConstructors;

namespace DafL.PyTorch;

/// <summary>
/// Unpickles one pickle of a checkpoint with Razorvine.Pickle under an allowlist (<see cref="TorchConstructors"/>).
/// Razorvine turns a global it has no constructor for into an attribute bag and never refuses one, and its table of
/// constructors is one static dictionary; so the pickle is scanned first (<see cref="PickleScan"/>), every global it
/// names gets a constructor of ours for the length of the load (under one lock, the previous entries put back after),
/// and what was built is checked before it is returned. The persistent ids name storages (and, in the legacy format,
/// module classes). Every error is an <see cref="InputException"/> naming <see cref="Source"/>.
/// </summary>
sealed class TorchUnpickler(string source) : Unpickler
{
    static readonly Lock Registry = new();

    readonly Dictionary<string, StorageRef> _storages = new(StringComparer.Ordinal);
    int _tensors;

    /// <summary>The file (and part of it) errors name.</summary>
    public string Source { get; } = source;

    /// <summary>The storages the persistent ids referred to, by key, each as long as the largest reference to it.</summary>
    public IReadOnlyDictionary<string, StorageRef> Storages => _storages;

    public int NextTensor() => _tensors++;

    /// <summary>Reads the pickle at <paramref name="start"/> of <paramref name="data"/>; returns the object and where the pickle ends.</summary>
    public (object? Value, int End) Load(byte[] data, int start)
    {
        PickleScan scan;
        try
        {
            scan = PickleScan.Read(data, start);
        }
        catch (FormatException e)
        {
            throw new InputException(Source, "pickle", "a pickle as PyTorch writes it", e.Message);
        }
        var constructors = scan.Globals.ToDictionary(g => g.Module + "." + g.Name, g => For(g.Module, g.Name, this), StringComparer.Ordinal);
        object? value;
        lock (Registry)
        {
            var previous = constructors.Keys.Where(objectConstructors.ContainsKey).ToDictionary(k => k, k => objectConstructors[k]);
            try
            {
                foreach (var (key, constructor) in constructors) objectConstructors[key] = constructor;
                value = loads(data[start..scan.End]);
            }
            catch (Exception e) when (e is not InputException)
            {
                throw new InputException(Source, "pickle", "a pickle as PyTorch writes it", $"{e.GetType().Name}: {e.Message}", inner: e);
            }
            finally
            {
                foreach (var key in constructors.Keys)
                    if (previous.TryGetValue(key, out var kept)) objectConstructors[key] = kept;
                    else objectConstructors.Remove(key);
            }
        }
        CheckBuilt(constructors.Values.OfType<ModuleClass>(), value);
        return (value, scan.End);
    }

    /// <summary>
    /// A module class must have been built, each time into a module; and no global may be left in the result as a
    /// value (a function or class stored, for something else to call).
    /// </summary>
    void CheckBuilt(IEnumerable<ModuleClass> classes, object? value)
    {
        foreach (var c in classes)
        {
            if (c.Built.Count == 0) throw Refused(Source, c.Name, "a reference that is never built as a module");
            if (c.Built.FirstOrDefault(s => !s.IsModule) is not null)
                throw Refused(Source, c.Name, "an object whose state lacks a module's _parameters, _buffers and _modules");
        }
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object?>([value]);
        while (pending.Count > 0)
        {
            var item = pending.Pop();
            if (item is null || item is string || item.GetType().IsPrimitive || !seen.Add(item)) continue;
            switch (item)
            {
                case IObjectConstructor global:
                    throw Refused(Source, global is ModuleClass m ? m.Name : global.GetType().Name, "a global kept as a value");
                case ModuleShell shell: pending.Push(shell.State); break;
                case IDictionary dict:
                    foreach (DictionaryEntry e in dict) { pending.Push(e.Key); pending.Push(e.Value); }
                    break;
                case IEnumerable items:
                    foreach (var i in items) pending.Push(i);
                    break;
            }
        }
    }

    /// <summary>
    /// A persistent id: <c>('storage', storage class, key, location, numel)</c> (the legacy format adds view metadata,
    /// <c>(view key, offset, numel)</c> or None), or, in the legacy format, <c>('module', class, source file, source)</c>.
    /// </summary>
    protected override object persistentLoad(object pid)
    {
        const string Field = "persistent id";
        const string Expected = "('storage', storage class, key, location, numel) or ('module', class, file, source)";
        if (pid is not object[] id || id.Length == 0) throw new InputException(Source, Field, Expected, Describe(pid));
        if (id is ["module", ModuleClass module, ..]) return module;
        if (id is not ["storage", StorageTypeConstructor type, string key, var location, var numelValue, ..] || id.Length > 6)
            throw new InputException(Source, Field, Expected, $"({string.Join(", ", id.Select(Describe))})");
        long numel = Whole(numelValue, $"storage '{InputText.Show(key)}' size", Source);
        var storage = new StorageRef(key, type.Type, location?.ToString() ?? "", numel);
        Register(storage);
        if (id.Length < 6 || id[5] is null) return storage;
        if (id[5] is not object[] { Length: 3 } view)
            throw new InputException(Source, $"storage '{InputText.Show(key)}' view", "(view key, offset, numel) or None", Describe(id[5]));
        long offset = Whole(view[1], "storage view offset", Source), length = Whole(view[2], "storage view size", Source);
        if (offset < 0 || length < 0 || offset + length > numel)
            throw new InputException(Source, $"storage '{InputText.Show(key)}' view", $"a part of its {numel} elements", $"offset {offset}, {length} elements");
        return storage with { Numel = length, ViewOffset = offset };
    }

    void Register(StorageRef storage)
    {
        if (_storages.TryGetValue(storage.Key, out var known) && known.Type != storage.Type)
            throw new InputException(Source, $"storage '{InputText.Show(storage.Key)}'", $"one type ({known.Type.ClassName})", $"also {storage.Type.ClassName}");
        if (known is null || storage.Numel > known.Numel) _storages[storage.Key] = storage;
    }
}
