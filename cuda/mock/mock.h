// mock.h: what the mock driver (libcuda.so.1, built from driver/*.cpp) offers the mock cuBLAS and cuDNN.
//
// The mock GPU is a checker for the real host code in src/DafL.Native and src/DafL.Cuda, not a fast path: device
// memory is host memory (a CUdeviceptr is the address), every stream is a queue run in order by a worker thread of
// its own, and kernels run in the emulator (cuda/emulator/emulator.h). cuBLAS and cuDNN calls check their arguments
// when they are called, as the libraries do, and queue their arithmetic on the handle's stream, so that they run
// asynchronously and in stream order like everything else. A fault found while work runs (an access outside every
// allocation) becomes the context's sticky error, CUDA_ERROR_ILLEGAL_ADDRESS, as on a GPU: the call that finds it
// (a synchronisation, or any later driver call) fails, and the message says which operation did what.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#define MOCKGPU_API __attribute__((visibility("default")))

namespace mockgpu
{
using DevicePtr = unsigned long long;

// Queues `work` on `stream` (a CUstream; 0 or CU_STREAM_LEGACY is the legacy default stream, with its implicit
// ordering against blocking streams). `what` names the operation in fault messages ("cublasSgemm_v2"). Returns
// a CUresult: CUDA_SUCCESS, CUDA_ERROR_INVALID_HANDLE for an unknown stream, or the sticky error. While the
// stream is being captured, the work is recorded into the graph instead.
MOCKGPU_API int enqueue(void* stream, const char* what, std::function<void()> work);

// True while `stream` (as for enqueue) is being captured into a graph: work queued on it is recorded, not run,
// so a call that must wait for its own work (cuDNN's Find) cannot.
MOCKGPU_API bool is_capturing(void* stream);

// True when [address, address + bytes) lies inside one live allocation; otherwise false, with `why` saying where
// the range is (past the end of which allocation, in a freed one, nowhere). bytes = 0 checks the address alone.
MOCKGPU_API bool check_range(DevicePtr address, size_t bytes, std::string* why);

// Records a fault: sets the sticky error `cuda_error` and prints "mock GPU: <message>" to stderr.
MOCKGPU_API void fault(int cuda_error, const std::string& message);

// Notes that the exported function `function` was called. With DAFL_MOCK_TRACE=<file>, each name is appended to
// the file the first time a process calls it: the list of binding calls (and "kernel <name>" launches) that a run
// exercised on the mock, from which docs/GPU.md's table of what was verified where is made. Every export of the
// three libraries starts with MOCKGPU_TRACE_CALL().
MOCKGPU_API void note_call(const char* function);
#define MOCKGPU_TRACE_CALL() ::mockgpu::note_call(__func__)

// An integer from the environment (fault injection and sizes), or `fallback` when the variable is unset.
MOCKGPU_API long long env_integer(const char* name, long long fallback);

// One row of a library's table of status names and descriptions (cuGetErrorName/String, cublasGetStatusName/String).
// MOCKGPU_STATUS(CODE, "description") writes the name from the code itself, so that the two cannot drift.
template <class Code>
struct StatusText
{
    Code code;
    const char* name;
    const char* description;
};
#define MOCKGPU_STATUS(code, description) {code, #code, description}

// The row of `table` for `code`, or nullptr for a code the table does not know.
template <class Code, size_t N>
const StatusText<Code>* find_status(const StatusText<Code> (&table)[N], Code code)
{
    for (const StatusText<Code>& row : table)
        if (row.code == code) return &row;
    return nullptr;
}
} // namespace mockgpu
