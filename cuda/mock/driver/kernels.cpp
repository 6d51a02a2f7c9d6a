// kernels.cpp: every kernel of cuda/*.cu, compiled for the emulator (as cuda/emulator/kernel_tests.cpp does, each
// file in a namespace of its own so that their file-local helpers do not collide), and a table from kernel name
// to a launcher that unpacks cuLaunchKernel's kernelParams by the kernel's own C++ parameter types.
//
// kernel_sources.inc and kernel_table.inc are written by `build.ps1 mockgpu` from the .cu files and their
// `extern "C" __global__` lines: the table has one `MOCK_KERNEL(cu_<file>, kernel_name)` per kernel.
// So a kernel added to a .cu file is in the mock on the next build, and cuModuleGetFunction refuses a name that
// the cubin has but the table lacks (a stale mock) with a message saying so.
#include "../../emulator/emulator.h"
#include "driver.h"

#include <map>
#include <type_traits>
#include <utility>

// `namespace cu_<file> {` + `#include "<file>.cu"` + `}` for each file.
#include "kernel_sources.inc"

namespace mockgpu
{
namespace
{
template <class F>
struct Signature;

template <class... P>
struct Signature<void (*)(P...)>
{
    static constexpr size_t count = sizeof...(P);

    // kernelParams[i] points at the i-th argument's value, as cuLaunchKernel documents; each is copied out as
    // the kernel's parameter type (a pointer, a scalar, or a struct passed by value).
    template <void (*K)(P...), size_t... I>
    static void run(void** params, dim3 grid, dim3 block, std::index_sequence<I...>)
    {
        emulator::launch(grid, block, K, *static_cast<std::remove_cv_t<P>*>(params[I])...);
    }

    static std::vector<size_t> sizes() { return {sizeof(P)...}; }
    static std::vector<bool> pointers() { return {std::is_pointer_v<P>...}; }
};

template <auto K>
void run_kernel(void** params, unsigned grid[3], unsigned block[3])
{
    using S = Signature<decltype(K)>;
    S::template run<K>(params, dim3(grid[0], grid[1], grid[2]), dim3(block[0], block[1], block[2]), std::make_index_sequence<S::count>());
}

template <auto K>
KernelEntry entry(const char* name)
{
    using S = Signature<decltype(K)>;
    return {name, S::sizes(), S::pointers(), &run_kernel<K>};
}

const std::map<std::string, KernelEntry>& table()
{
    static const std::map<std::string, KernelEntry> kernels = [] {
        std::map<std::string, KernelEntry> t;
#define MOCK_KERNEL(ns, name) t.emplace(#name, entry<&ns::name>(#name));
#include "kernel_table.inc"
#undef MOCK_KERNEL
        return t;
    }();
    return kernels;
}
} // namespace

const KernelEntry* find_kernel(const std::string& name)
{
    auto it = table().find(name);
    return it == table().end() ? nullptr : &it->second;
}

void emulator_order(bool descending) { emulator::order = descending ? emulator::Order::WarpsDescending : emulator::Order::WarpsAscending; }
} // namespace mockgpu
