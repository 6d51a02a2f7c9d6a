// driver.h: the mock driver's pieces, shared by its files (not by cuBLAS or cuDNN: they see only ../mock.h).
//
// memory.cpp   device memory: guarded mappings, NaN-filled on allocation, poisoned and quarantined on free
// streams.cpp  streams, events, the legacy default stream's implicit ordering, stream capture and graphs
// modules.cpp  cuModuleLoadData / cuModuleGetFunction / cuLaunchKernel over the emulated kernels
// kernels.cpp  every kernel of cuda/*.cu compiled for the emulator, looked up by name
// driver.cpp   cuInit, the device and its attributes, the primary context, error names, fault injection
#pragma once

#include "../mock.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

// The CUDA driver API's types, as cuda.h declares them (CUDA 11.8 and 12.x agree on each).
typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct MockContext* CUcontext;
typedef struct MockStream* CUstream;
typedef struct MockEvent* CUevent;
typedef struct MockModule* CUmodule;
typedef struct MockFunction* CUfunction;
typedef struct MockGraph* CUgraph;
typedef struct MockGraphExec* CUgraphExec;

#define CUDA_API extern "C" __attribute__((visibility("default")))

// cuda.h's CUresult values that the mock returns.
enum : int
{
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_NO_DEVICE = 100,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_IMAGE = 200,
    CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
    CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_ILLEGAL_STATE = 401,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_NOT_READY = 600,
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
    CUDA_ERROR_LAUNCH_FAILED = 719,
    CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED = 900,
    CUDA_ERROR_STREAM_CAPTURE_INVALIDATED = 901,
    CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD = 908,
};

namespace mockgpu
{
// ---------------------------------------------------------------- driver.cpp

// The first call's checks: cuInit ran, the calling thread has a current, live context, no sticky error. Every
// driver call that needs a context starts with `if (CUresult r = ready()) return r;`.
CUresult ready();
// The sticky error (CUDA_SUCCESS when none).
CUresult sticky();
// A call's failure with a reason: prints "mock GPU: <call>: <why>" to stderr, returns `result`.
CUresult refuse(CUresult result, const char* call, const std::string& why);
// The fault injection counters (DAFL_MOCK_FAIL_ALLOC=N, DAFL_MOCK_FAIL_LAUNCH=N, or mockgpu_inject): true when
// this call is the N-th of its kind since the counter was set.
bool inject_now(const char* kind);
// The device: sm_90 and this much memory (DAFL_MOCK_MEMORY_BYTES, default 8 GiB).
constexpr int compute_major = 9, compute_minor = 0;
size_t memory_limit();
// A device address as messages print it: 0x7f...
std::string hex(CUdeviceptr address);

// ---------------------------------------------------------------- memory.cpp

CUresult allocate(CUdeviceptr* address, size_t bytes);
CUresult release(CUdeviceptr address);
size_t bytes_in_use();
// Frees every live allocation (the primary context's last release).
void release_all();
// Where an address lies, for a fault message: "12 bytes after the end of the 4096-byte block at 0x...".
std::string locate(CUdeviceptr address);
// After an operation ran: checks the canaries around every live allocation; a broken one is a fault naming `what`.
void check_canaries(const char* what);

// ---------------------------------------------------------------- streams.cpp

// One operation for a stream's worker.
struct Operation
{
    std::string what;
    std::function<void()> work;
};
// Queues on a stream (resolving 0 / CU_STREAM_LEGACY), or records into its capture.
CUresult submit(CUstream stream, Operation operation);
// Queues on a stream and waits for the operation (unless the stream is capturing: then it is recorded).
CUresult submit_and_wait(CUstream stream, Operation operation);
// Queues on the legacy default stream and waits for it: the synchronous copies.
CUresult run_synchronously(Operation operation);
// Waits until every stream is idle (cuCtxSynchronize, and the context's last release).
CUresult synchronize_all(const char* call);
void destroy_all_streams();
// Runs `work` as a device operation: under the one execution lock (the emulator has global state), catching an
// access outside device memory (SIGSEGV/SIGBUS on a guard page) and emulator failures as the sticky error.
void execute(const Operation& operation);

// ---------------------------------------------------------------- kernels.cpp

struct KernelEntry
{
    const char* name;
    std::vector<size_t> param_sizes;   // sizeof each C++ parameter type, in order
    std::vector<bool> param_is_pointer;
    // Runs the kernel over the grid with its parameters unpacked from cuLaunchKernel's kernelParams.
    void (*run)(void** params, unsigned grid[3], unsigned block[3]);
};
const KernelEntry* find_kernel(const std::string& name);
// Which warp runs ahead in the next launches (emulator::order): descending or ascending.
void emulator_order(bool descending);
} // namespace mockgpu
