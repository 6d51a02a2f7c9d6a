// kernel_tests.cpp: every kernel of cuda/*.cu run in the emulator (emulator.h) against a reference loop that
// follows the C# CPU backend (src/DafL/Backends/Cpu/CpuBackend.*.cs, src/DafL/Random/Philox.cs) step by step,
// at several block and grid sizes (llm.c's "validate at every block size"), including grids smaller than the
// work so that every grid-stride loop wraps. Where the CPU's result is bit-exact by construction (elementwise,
// pooling, optimizers, uniforms, the generic sum) the check is bit-exact; sums whose order differs from the CPU's
// are checked against float64 references with a tolerance. Built and run by tools/check-kernels.sh.
// The families are one file each (elementwise_tests.cpp, …); this file runs them, at both warp orders.
#include "test_support.h"

int main()
{
    for (auto order : {emulator::Order::WarpsAscending, emulator::Order::WarpsDescending})
    {
        emulator::order = order;
        std::string suffix = order == emulator::Order::WarpsAscending ? " (warps ascending)" : " (warps descending)";
        run("elementwise.cu" + suffix, elementwise_tests);
        run("reduce.cu" + suffix, reduce_tests);
        run("softmax.cu" + suffix, softmax_tests);
        run("dafl.cu" + suffix, dafl_tests);
        run("pool.cu" + suffix, pool_tests);
        run("optim.cu" + suffix, optim_tests);
        run("random.cu" + suffix, random_tests);
        run("norm.cu" + suffix, norm_tests);
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
