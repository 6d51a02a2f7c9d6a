using System.Collections;
using System.Numerics;
using DafL.Errors;
using Razorvine.Pickle;

namespace DafL.PyTorch;

/// <summary>
/// The only globals a checkpoint's pickle may name, each rebuilt by a constructor of ours that builds plain data and
/// runs nothing of the file: tensors (<c>torch._utils._rebuild_tensor_v2</c>, parameters), storage classes (only as
/// parts of storage references), <c>collections.OrderedDict</c>, <c>set</c> (a module's non-persistent buffer names),
/// <c>torch.device</c> (a DataParallel wrapper's device) and module classes. A module class may have any name — the
/// user's own <c>lenet.LeNet5</c> as much as <c>torch.nn.Conv2d</c> — so any other global is taken as one, on
/// conditions it is checked against: it is built with no arguments (NEWOBJ), given a state that has every module's
/// <c>_parameters</c>, <c>_buffers</c> and <c>_modules</c> (BUILD), and never used as a value. Anything else —
/// <c>builtins.eval</c> or <c>os.system</c> called with a command — is refused by name.
/// </summary>
static class TorchConstructors
{
    public const string Allowed = "tensor, storage, OrderedDict or module classes";

    public static IObjectConstructor For(string module, string name, TorchUnpickler context) => (module, name) switch
    {
        ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_tensor") => new RebuildTensor(context),
        ("torch._utils", "_rebuild_parameter" or "_rebuild_parameter_with_state") => new RebuildParameter(context),
        ("collections", "OrderedDict") => new OrderedDictConstructor(context),
        ("builtins" or "__builtin__", "set") => new SetConstructor(context),
        ("torch", "device") => new DeviceConstructor(context),
        ("torch", _) when StorageType.All.FirstOrDefault(t => t.ClassName == name) is { } type => new StorageTypeConstructor(type, context),
        _ => new ModuleClass(module + "." + name, context),
    };

    /// <summary>A refusal of the global <paramref name="global"/>, found doing <paramref name="found"/>.</summary>
    public static InputException Refused(string source, string global, string found) =>
        new(source, $"pickle global '{InputText.Show(global)}'", Allowed, $"{found}; it is not allowed, and nothing in the file was run");

    /// <summary>A whole number from the pickle (Razorvine gives int, long or BigInteger), or an error naming <paramref name="what"/>.</summary>
    public static long Whole(object? value, string what, string source) => value switch
    {
        int i => i,
        long l => l,
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => (long)b,
        _ => throw new InputException(source, what, "a whole number", Describe(value)),
    };

    public static long[] Wholes(object? value, string what, string source) =>
        value is object[] tuple ? tuple.Select(v => Whole(v, what, source)).ToArray()
            : throw new InputException(source, what, "a tuple of whole numbers", Describe(value));

    /// <summary>What a pickled value is, in words, for an error message.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"the string '{InputText.Show(s, 40)}'",
        object[] t => $"a tuple of {t.Length}",
        ModuleShell m => $"a {InputText.Show(m.ClassName)} module",
        PickledTensor => "a tensor",
        Hashtable h => $"a dict of {h.Count}",
        ArrayList l => $"a list of {l.Count}",
        _ => $"a {value.GetType().Name}",
    };

    internal abstract class Constructor(TorchUnpickler context) : IObjectConstructor
    {
        protected TorchUnpickler Context { get; } = context;
        public abstract object construct(object[] args);

        protected object[] Expect(object[] args, string global, int least, int most)
        {
            if (args.Length < least || args.Length > most)
                throw new InputException(Context.Source, $"pickle call {global}", $"{least} to {most} arguments", $"{args.Length}");
            return args;
        }
    }

    /// <summary><c>_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])</c>.</summary>
    sealed class RebuildTensor(TorchUnpickler context) : Constructor(context)
    {
        public override object construct(object[] args)
        {
            Expect(args, "torch._utils._rebuild_tensor_v2", 4, 7);
            string source = Context.Source;
            if (args[0] is not StorageRef storage) throw new InputException(source, "tensor storage", "a storage reference", Describe(args[0]));
            var size = Wholes(args[2], "tensor size", source);
            var stride = Wholes(args[3], "tensor stride", source);
            if (size.Length != stride.Length)
                throw new InputException(source, "tensor stride", $"one stride per dimension ({size.Length})", $"{stride.Length}");
            return new PickledTensor(storage, Whole(args[1], "tensor storage offset", source), size, stride, Context.NextTensor());
        }
    }

    /// <summary><c>_rebuild_parameter(data, requires_grad, backward_hooks[, state])</c>: the tensor itself.</summary>
    sealed class RebuildParameter(TorchUnpickler context) : Constructor(context)
    {
        public override object construct(object[] args) =>
            Expect(args, "torch._utils._rebuild_parameter", 3, 4)[0] as PickledTensor
            ?? throw new InputException(Context.Source, "parameter", "a tensor", Describe(args[0]));
    }

    sealed class OrderedDictConstructor(TorchUnpickler context) : Constructor(context)
    {
        public override object construct(object[] args)
        {
            Expect(args, "collections.OrderedDict", 0, 0);
            return new PickledDict();
        }
    }

    sealed class SetConstructor(TorchUnpickler context) : Constructor(context)
    {
        public override object construct(object[] args) =>
            Expect(args, "set", 0, 1).Length == 0 ? new HashSet<object>()
            : args[0] is ArrayList items ? new HashSet<object>(items.Cast<object>())
            : throw new InputException(Context.Source, "pickle call set", "a list", Describe(args[0]));
    }

    /// <summary><c>torch.device('cuda', 0)</c>, kept as its text: where a tensor was is of no use here.</summary>
    sealed class DeviceConstructor(TorchUnpickler context) : Constructor(context)
    {
        public override object construct(object[] args) => string.Join(":", Expect(args, "torch.device", 1, 2));
    }

    /// <summary>A storage class: only a part of a storage reference, never called.</summary>
    internal sealed class StorageTypeConstructor(StorageType type, TorchUnpickler context) : Constructor(context)
    {
        public StorageType Type { get; } = type;
        public override object construct(object[] args) => throw Refused(Context.Source, "torch." + Type.ClassName, "a call of a storage class");
    }

    /// <summary>A module class: each build is an inert <see cref="ModuleShell"/>, checked once the pickle is read.</summary>
    internal sealed class ModuleClass(string name, TorchUnpickler context) : Constructor(context)
    {
        public string Name { get; } = name;
        public List<ModuleShell> Built { get; } = [];

        public override object construct(object[] args)
        {
            if (args.Length > 0)
                throw Refused(Context.Source, Name, $"a call with {args.Length} argument{(args.Length == 1 ? "" : "s")} (a module class is built with none)");
            var shell = new ModuleShell(Name);
            Built.Add(shell);
            return shell;
        }
    }
}
