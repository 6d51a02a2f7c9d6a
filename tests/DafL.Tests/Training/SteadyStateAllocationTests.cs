using DafL.Memory;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Training;

/// <summary>A warm DAFL step on the CPU reuses the buffer pool's cache: no native memory from the system.</summary>
public class SteadyStateAllocationTests : LeakCheckedTest
{
    [Test]
    public void AWarmDaflStepTakesNoNativeMemoryFromTheSystem()
    {
        using var teacher = TinyDistillation.Teacher();
        using var d = new DaflDistiller(TinyDistillation.Config(1), teacher);

        // An empty cache makes the first step go to the system: the counter sees allocations when there are some.
        BufferPool.Trim();
        var cold = AllocationCount.Start();
        d.Step();
        cold = AllocationCount.Since(cold);
        Assert.That(cold.SystemAllocations, Is.GreaterThan(0), "a cold step allocates, and the counter shows it");

        for (int i = 0; i < 5; i++) d.Step();
        var warm = AllocationCount.Start();
        for (int i = 0; i < 5; i++) d.Step();
        warm = AllocationCount.Since(warm);
        Assert.That(warm.SystemAllocations, Is.Zero, "native allocations in five warm steps");
        Assert.That(warm.Rentals, Is.GreaterThan(0), "the steps rent from the pool");
    }
}
