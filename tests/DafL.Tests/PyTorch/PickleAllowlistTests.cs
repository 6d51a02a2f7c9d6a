using DafL.Errors;
using DafL.PyTorch;
using DafL.Tests.Support;
using Pickle = DafL.Tests.PyTorch.TorchFiles.Pickle;

namespace DafL.Tests.PyTorch;

/// <summary>
/// A checkpoint's pickle names only the globals that rebuild tensors, storages, OrderedDicts and modules. Razorvine
/// would make an attribute bag of any other; each is refused by name here, before or while the pickle is read, and
/// whatever else the pickle holds.
/// </summary>
public class PickleAllowlistTests : TempFolderTest
{
    const string Allowed = "tensor, storage, OrderedDict or module classes";

    /// <summary>A zip checkpoint whose data.pkl is <paramref name="pickle"/> (and no storages).</summary>
    string Checkpoint(byte[] pickle)
    {
        string path = Path.Combine(Dir, "evil");
        TorchFiles.WriteZip(path, "evil", [("data.pkl", pickle), ("version", "3\n"u8.ToArray())]);
        return path;
    }

    void Refused(byte[] pickle, string global, string found)
    {
        string path = Checkpoint(pickle);
        Assert.That(() => PyTorchCheckpoint.Load(path), Throws.InstanceOf<InputException>().With.Message.EqualTo(
            $"{path}: pickle global '{global}': expected {Allowed}, found {found}; it is not allowed, and nothing in the file was run."));
    }

    [Test]
    public void OsSystemCalledWithACommandIsRefused() =>
        Refused(new Pickle().Global("os", "system").Unicode("touch /tmp/dafl-pwned").Tuple1().Reduce().Stop(),
            "os.system", "a call with 1 argument (a module class is built with none)");

    [Test]
    public void BuiltinsEvalIsRefusedAlsoWhenNamedOnTheStack()
    {
        Refused(new Pickle().Global("builtins", "eval").Unicode("1+1").Tuple1().Reduce().Stop(),
            "builtins.eval", "a call with 1 argument (a module class is built with none)");
        // Protocol 4's STACK_GLOBAL takes the names from the stack, here the second time from the memo.
        Refused(new Pickle().ShortUnicode("builtins").Memoize().ShortUnicode("eval").Memoize().StackGlobal().Pop()
                .BinGet(0).BinGet(1).StackGlobal().Unicode("1+1").Tuple1().Reduce().Stop(),
            "builtins.eval", "a call with 1 argument (a module class is built with none)");
    }

    [Test]
    public void AGlobalRazorvineKnowsIsRefusedToo() =>
        Refused(new Pickle().Global("datetime", "datetime").Unicode("x").Tuple1().Reduce().Stop(),
            "datetime.datetime", "a call with 1 argument (a module class is built with none)");

    [Test]
    public void AClassBuiltWithoutAModulesStateIsRefused() =>
        Refused(new Pickle().Global("os", "system").EmptyTuple().NewObj().EmptyDict().Build().Stop(),
            "os.system", "an object whose state lacks a module's _parameters, _buffers and _modules");

    [Test]
    public void AGlobalKeptAsAValueIsRefused() =>
        Refused(new Pickle().EmptyDict().Unicode("w").Global("os", "system").SetItem().Stop(),
            "os.system", "a reference that is never built as a module");

    [Test]
    public void AStackGlobalWhoseNamesAreNotStringsOnTheStackIsRefusedBeforeReading()
    {
        string path = Checkpoint(new Pickle().ShortUnicode("os").ShortUnicode("system").Tuple2().Raw(0x32).StackGlobal().Stop()); // DUP of a tuple
        Assert.That(() => PyTorchCheckpoint.Load(path), Throws.InstanceOf<InputException>().With.Message.EqualTo(
            $"{path}: pickle: expected a pickle as PyTorch writes it, found STACK_GLOBAL at byte 16 does not follow two strings (its module and name)."));
    }

    [Test]
    public void RazorvinesOwnConstructorsAreBackAfterALoad()
    {
        // datetime.datetime(2024, 1, 2) as Python pickles it (protocol 2): Razorvine's own constructor makes a DateTime.
        byte[] datetime = [.. new Pickle().Global("datetime", "datetime").Raw((byte)'C', 10).Raw(7, 232, 1, 2, 0, 0, 0, 0, 0, 0).Tuple1().Reduce().Stop()];
        Assert.That(() => PyTorchCheckpoint.Load(Checkpoint(datetime)), Throws.InstanceOf<InputException>());
        using var unpickler = new Razorvine.Pickle.Unpickler();
        Assert.That(unpickler.loads(datetime), Is.EqualTo(new DateTime(2024, 1, 2)));
    }
}
