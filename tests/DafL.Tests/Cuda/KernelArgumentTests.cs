using DafL.Backends.Cuda.Kernels;
using DafL.Native;

namespace DafL.Tests.CudaTests;

/// <summary>What the driver reads for each kernel parameter (no GPU needed).</summary>
public unsafe class KernelArgumentTests
{
    static ulong Slot(KernelArgument argument)
    {
        ulong slot = 0xDEADBEEFDEADBEEF;
        void* at = argument.Address(&slot);
        Assert.That((nint)at, Is.EqualTo((nint)(&slot)), "scalars are read from the slot");
        return slot;
    }

    [Test]
    public void ScalarsArePassedByValueLittleEndian()
    {
        Assert.That(Slot(1.5f), Is.EqualTo((ulong)BitConverter.SingleToUInt32Bits(1.5f)), "a float fills the low 4 bytes, the rest are 0");
        Assert.That(Slot(-2.25), Is.EqualTo(BitConverter.DoubleToUInt64Bits(-2.25)));
        Assert.That(Slot(-3L), Is.EqualTo(unchecked((ulong)-3L)));
        Assert.That(Slot(-3), Is.EqualTo(0xFFFFFFFDul), "an int is 4 bytes: the driver reads only those");
        Assert.That(Slot(ulong.MaxValue), Is.EqualTo(ulong.MaxValue));
        Assert.That(Slot(new DevicePointer(0x7f00_1234_5600)), Is.EqualTo(0x7f00_1234_5600ul));
    }

    [Test]
    public void StructsArePassedByTheirAddress()
    {
        var layout = new DeviceBroadcastLayout { Rank = 3 };
        ulong slot = 7;
        var argument = KernelArgument.Struct(&layout);
        Assert.That((nint)argument.Address(&slot), Is.EqualTo((nint)(&layout)));
        Assert.That(slot, Is.EqualTo(7ul), "the slot is not used");
    }
}
