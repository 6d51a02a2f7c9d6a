// emulator.h: runs the kernels of cuda/*.cu on the CPU, one cooperative fiber per CUDA thread, so their index
// arithmetic, barriers and warp shuffles can be tested on a machine without a GPU (tools/check-kernels.sh).
//
// What it models: a grid runs block after block; inside a block every thread is a fiber that runs until it
// reaches a barrier (__syncthreads, or the exchange inside a warp shuffle) or returns. Warps take turns, each
// running as far as it can, in ascending or descending order (emulator::order), so that a warp that is fast on
// the GPU races ahead here too: shared memory reused without a barrier gives wrong results. A barrier that
// only part of the block (or of a warp, for a shuffle) reaches, and a full-mask shuffle in a partial warp,
// abort with a message: on a GPU they hang or misbehave. __shared__ variables are function-level statics: one
// block runs at a time, so they are exactly per-block storage.
// What it does not model: the GPU's math library (host expf/logf differ by an ulp or so), memory ordering
// between blocks, timing. The host is compiled with -ffp-contract=off, as the kernels are with --fmad=false.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <math.h>
#include <setjmp.h>
#include <ucontext.h>
#include <vector>

// ---------------------------------------------------------------- the CUDA language subset the kernels use

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)

struct uint3 { unsigned int x, y, z; };
struct dim3
{
    unsigned int x, y, z;
    dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(16) uint4 { unsigned int x, y, z, w; };
struct alignas(16) double2 { double x, y; };
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline uint4 make_uint4(unsigned int x, unsigned int y, unsigned int z, unsigned int w) { return {x, y, z, w}; }
inline double2 make_double2(double x, double y) { return {x, y}; }

inline uint3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;

inline int min(int a, int b) { return a < b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline float __int_as_float(int bits)
{
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}
inline float __int_as_float(unsigned int bits) { return __int_as_float((int)bits); }
inline unsigned int __umulhi(unsigned int a, unsigned int b) { return (unsigned int)(((unsigned long long)a * b) >> 32); }
inline void sincospi(double x, double* s, double* c)
{
    const double pi = 3.141592653589793238462643;
    *s = std::sin(pi * x);
    *c = std::cos(pi * x);
}
inline unsigned int atomicMin(unsigned int* address, unsigned int value)
{
    unsigned int old = *address;
    if (value < old) *address = value;
    return old;
}

namespace emulator
{
// What a misuse of the execution model does. The tests abort; the mock GPU (cuda/mock) sets a hook that turns
// it into the context's sticky launch error and leaves the kernel (the hook must not return).
inline void (*on_fail)(const char* what) = nullptr;

[[noreturn]] inline void fail(const char* what)
{
    char message[256];
    std::snprintf(message, sizeof message, "%s (block %u,%u thread %u,%u)", what, blockIdx.x, blockIdx.y, threadIdx.x, threadIdx.y);
    if (on_fail) on_fail(message);
    std::fprintf(stderr, "emulator: %s\n", message);
    std::abort();
}

enum class State { Ready, AtBlockBarrier, AtWarpBarrier, Done };

// A fiber starts on its own stack through makecontext/setcontext, once in its life; after that every switch is
// _setjmp/_longjmp, which, unlike swapcontext, makes no system call to save the signal mask (a test run makes
// millions of switches). A fiber that finished the body waits in Done; stepped again, it runs the body of the
// next block (or launch) on the same stack, so a block costs no context creation.
struct Fiber
{
    ucontext_t start;
    jmp_buf resume;
    bool started = false;
    std::vector<char> stack;
    State state = State::Ready;
    uint3 index;
    unsigned int linear;
};

struct Block
{
    std::vector<Fiber> fibers; // never shrinks: a started fiber's stack stays where its saved registers point
    size_t size = 0;           // threads in the running block
    jmp_buf scheduler;
    size_t current = 0;
    const std::function<void()>* body = nullptr;
    std::vector<unsigned long long> exchange; // one slot per thread for shuffles
};

inline Block block;

inline Fiber& current() { return block.fibers[block.current]; }

inline void wait(State state)
{
    Fiber& f = current();
    f.state = state;
    if (_setjmp(f.resume) == 0) _longjmp(block.scheduler, 1);
}

inline void fiber_main()
{
    for (;;)
    {
        (*block.body)();
        wait(State::Done);
    }
}

// Runs fiber i until it waits or finishes.
inline void step(size_t i)
{
    block.current = i;
    threadIdx = block.fibers[i].index;
    if (_setjmp(block.scheduler) != 0) return;
    Fiber& f = block.fibers[i];
    if (f.started) _longjmp(f.resume, 1);
    f.started = true;
    setcontext(&f.start);
}

// Forgets every fiber's place, after a kernel was left from inside (the mock GPU's fault hook): each restarts
// from the top of fiber_main on its next step.
inline void reset()
{
    for (auto& f : block.fibers) f.started = false;
}

// Which warp runs ahead. Each warp runs as far as it can (through its shuffles) before the next one starts, so a
// warp reaches the next phase of a kernel while the others have not left the previous one: a missing
// __syncthreads then shows up as a wrong result. Tests run under both orders.
enum class Order { WarpsAscending, WarpsDescending };
inline Order order = Order::WarpsAscending;

// Runs warp w's lanes, releasing its shuffle barriers, until every lane waits at __syncthreads or is done.
inline void run_warp(size_t w)
{
    size_t n = block.size, first = w * 32, last = std::min(n, first + 32);
    for (;;)
    {
        for (size_t i = first; i < last; i++)
            if (block.fibers[i].state == State::Ready) step(i);
        size_t at_shuffle = 0;
        for (size_t i = first; i < last; i++) at_shuffle += block.fibers[i].state == State::AtWarpBarrier;
        if (at_shuffle == 0) return;
        if (last - first != 32) fail("full-mask shuffle in a partial warp");
        if (at_shuffle != 32) fail("shuffle reached by only part of a warp");
        for (size_t i = first; i < last; i++) block.fibers[i].state = State::Ready;
    }
}

inline void run_block(dim3 block_dim, const std::function<void()>& body)
{
    size_t n = (size_t)block_dim.x * block_dim.y * block_dim.z;
    if (n == 0 || n > 1024) fail("block size must be 1..1024");
    if (block.fibers.empty()) block.fibers.resize(1024); // allocated once: see Block::fibers
    block.size = n;
    block.exchange.assign(n, 0);
    block.body = &body;
    for (size_t i = 0; i < n; i++)
    {
        Fiber& f = block.fibers[i];
        f.state = State::Ready;
        f.linear = (unsigned int)i;
        f.index = {(unsigned int)(i % block_dim.x), (unsigned int)(i / block_dim.x % block_dim.y),
                   (unsigned int)(i / ((size_t)block_dim.x * block_dim.y))};
        if (f.started) continue;
        f.stack.resize(1 << 16);
        getcontext(&f.start);
        f.start.uc_stack.ss_sp = f.stack.data();
        f.start.uc_stack.ss_size = f.stack.size();
        f.start.uc_link = nullptr; // fiber_main never returns: it jumps back to the scheduler
        makecontext(&f.start, fiber_main, 0);
    }
    size_t warps = (n + 31) / 32;
    for (;;)
    {
        for (size_t k = 0; k < warps; k++) run_warp(order == Order::WarpsAscending ? k : warps - 1 - k);
        size_t at_barrier = 0, done = 0;
        for (size_t i = 0; i < n; i++)
        {
            at_barrier += block.fibers[i].state == State::AtBlockBarrier;
            done += block.fibers[i].state == State::Done;
        }
        if (done == n) return;
        if (done != 0) fail("__syncthreads reached by only part of the block");
        for (size_t i = 0; i < n; i++) block.fibers[i].state = State::Ready;
    }
}

// Runs kernel(args...) over the grid, blocks in order.
template <class... Params, class... Args>
void launch(dim3 grid, dim3 block_dim, void (*kernel)(Params...), Args... args)
{
    std::function<void()> body = [=] { kernel(args...); };
    gridDim = grid;
    blockDim = block_dim;
    for (unsigned int z = 0; z < grid.z; z++)
        for (unsigned int y = 0; y < grid.y; y++)
            for (unsigned int x = 0; x < grid.x; x++)
            {
                blockIdx = {x, y, z};
                run_block(block_dim, body);
            }
}
} // namespace emulator

inline void __syncthreads() { emulator::wait(emulator::State::AtBlockBarrier); }

template <class T>
T __shfl_xor_sync(unsigned int mask, T value, int lane_mask)
{
    static_assert(sizeof(T) <= sizeof(unsigned long long), "shuffle of a value wider than 64 bits");
    if (mask != 0xffffffffu) emulator::fail("only full-mask shuffles are emulated");
    unsigned int me = emulator::current().linear;
    unsigned long long bits = 0;
    std::memcpy(&bits, &value, sizeof value);
    emulator::block.exchange[me] = bits;
    emulator::wait(emulator::State::AtWarpBarrier); // every lane has written
    unsigned int partner = (me & ~31u) | ((me & 31u) ^ (unsigned int)lane_mask);
    bits = emulator::block.exchange[partner];
    emulator::wait(emulator::State::AtWarpBarrier); // every lane has read before anyone writes again
    T result;
    std::memcpy(&result, &bits, sizeof result);
    return result;
}
