// driver.cpp: the mock driver's entry points other than streams, modules and error names (errors.cpp): cuInit,
// Over 300 lines on purpose: the driver's remaining entry points are each a few lines of checks over the one device
// and context state kept here; splitting them would expose that state to each piece.
// the one device and its attributes, the primary context, memory and copies, and fault injection.
//
// The device is named "DafL mock GPU (sm_90)" so that nothing can take a result made here for real hardware;
// its attributes are an H100/H200's (sm_90, 132 SMs, 1024 threads a block, 48 KiB static shared memory a block,
// 227 KiB opt-in, grid y and z up to 65,535) and its memory DAFL_MOCK_MEMORY_BYTES (default 8 GiB).
// Fault injection: DAFL_MOCK_FAIL_ALLOC=N makes the N-th cuMemAlloc fail with CUDA_ERROR_OUT_OF_MEMORY,
// DAFL_MOCK_FAIL_LAUNCH=N the N-th cuLaunchKernel with CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (both counted from
// cuInit); a test process sets the same counters at any time through mockgpu_inject("alloc" | "launch", N).
#include "driver.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

struct MockContext
{
    int references = 0;
    // Atomic: ready() reads it on every call, from any thread, without the context lock.
    std::atomic<bool> active{false}; // "a primary context that is not active": retained by nobody
};

namespace mockgpu
{
namespace
{
std::atomic<bool> initialized{false};
std::atomic<int> sticky_error{CUDA_SUCCESS};
MockContext primary;
std::mutex context_gate;
thread_local MockContext* current = nullptr;

std::mutex injection_gate;
std::map<std::string, long long> injections; // kind → calls left until the injected failure (0: none)

bool valid_device(CUdevice d) { return d == 0; }
} // namespace

CUresult sticky() { return sticky_error.load(); }

CUresult ready()
{
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (current == nullptr || !current->active) return CUDA_ERROR_INVALID_CONTEXT;
    return sticky();
}

CUresult refuse(CUresult result, const char* call, const std::string& why)
{
    std::fprintf(stderr, "mock GPU: %s: %s\n", call, why.c_str());
    return result;
}

MOCKGPU_API void fault(int cuda_error, const std::string& message)
{
    int none = CUDA_SUCCESS;
    sticky_error.compare_exchange_strong(none, cuda_error); // the first fault is the one a GPU would report
    std::fprintf(stderr, "mock GPU: %s\n", message.c_str());
}

MOCKGPU_API long long env_integer(const char* name, long long fallback)
{
    const char* text = std::getenv(name);
    if (text == nullptr || *text == 0) return fallback;
    char* end = nullptr;
    long long value = std::strtoll(text, &end, 10);
    if (*end != 0 || value < 0)
    {
        std::fprintf(stderr, "mock GPU: %s=%s: expected a non-negative integer; using %lld\n", name, text, fallback);
        return fallback;
    }
    return value;
}

size_t memory_limit()
{
    static const size_t limit = (size_t)env_integer("DAFL_MOCK_MEMORY_BYTES", 8ll << 30);
    return limit;
}

bool inject_now(const char* kind)
{
    std::lock_guard<std::mutex> lock(injection_gate);
    auto it = injections.find(kind);
    if (it == injections.end() || it->second == 0) return false;
    return --it->second == 0;
}

std::string hex(CUdeviceptr address)
{
    char s[32];
    std::snprintf(s, sizeof s, "0x%llx", address);
    return s;
}
} // namespace mockgpu

using namespace mockgpu;

// Sets a fault-injection counter: the n-th call of `kind` ("alloc": cuMemAlloc_v2, "launch": cuLaunchKernel)
// from now fails; 0 turns it off. For tests, which cannot change the process's C environment from .NET.
CUDA_API void mockgpu_inject(const char* kind, long long n)
{
    std::lock_guard<std::mutex> lock(injection_gate);
    injections[kind] = n;
}

// Clears the sticky error, as destroying and re-creating the context would: for a test that provoked a fault.
CUDA_API void mockgpu_clear_sticky_error() { sticky_error = CUDA_SUCCESS; }

// --------------------------------------------------------------------------- initialisation, versions, errors

CUDA_API CUresult cuInit(unsigned flags)
{
    MOCKGPU_TRACE_CALL();
    if (flags != 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuInit", "Flags must be 0");
    static std::once_flag once;
    std::call_once(once, [] {
        mockgpu_inject("alloc", env_integer("DAFL_MOCK_FAIL_ALLOC", 0));
        mockgpu_inject("launch", env_integer("DAFL_MOCK_FAIL_LAUNCH", 0));
    });
    initialized = true;
    return CUDA_SUCCESS;
}

// CUDA 11.8, the version of the NVRTC that compiles the kernels here, so every library of the mock set agrees.
CUDA_API CUresult cuDriverGetVersion(int* version)
{
    MOCKGPU_TRACE_CALL();
    if (version == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *version = 11080;
    return CUDA_SUCCESS;
}

// --------------------------------------------------------------------------- the device

CUDA_API CUresult cuDeviceGetCount(int* count)
{
    MOCKGPU_TRACE_CALL();
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (count == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *count = 1;
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuDeviceGet(CUdevice* device, int ordinal)
{
    MOCKGPU_TRACE_CALL();
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (device == nullptr) return CUDA_ERROR_INVALID_VALUE;
    if (!valid_device(ordinal)) return CUDA_ERROR_INVALID_DEVICE;
    *device = ordinal;
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuDeviceGetName(char* name, int length, CUdevice device)
{
    MOCKGPU_TRACE_CALL();
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (name == nullptr || length <= 0) return CUDA_ERROR_INVALID_VALUE;
    if (!valid_device(device)) return CUDA_ERROR_INVALID_DEVICE;
    std::snprintf(name, (size_t)length, "DafL mock GPU (sm_%d%d)", compute_major, compute_minor);
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuDeviceGetAttribute(int* value, int attribute, CUdevice device)
{
    MOCKGPU_TRACE_CALL();
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (value == nullptr) return CUDA_ERROR_INVALID_VALUE;
    if (!valid_device(device)) return CUDA_ERROR_INVALID_DEVICE;
    // CUdevice_attribute numbers from cuda.h; values of an H100 SXM / H200 (sm_90).
    static const std::map<int, int> attributes = {
        {1, 1024},        // MAX_THREADS_PER_BLOCK
        {2, 1024},        // MAX_BLOCK_DIM_X
        {3, 1024},        // MAX_BLOCK_DIM_Y
        {4, 64},          // MAX_BLOCK_DIM_Z
        {5, 2147483647},  // MAX_GRID_DIM_X
        {6, 65535},       // MAX_GRID_DIM_Y
        {7, 65535},       // MAX_GRID_DIM_Z
        {8, 49152},       // MAX_SHARED_MEMORY_PER_BLOCK
        {10, 32},         // WARP_SIZE
        {13, 1980000},    // CLOCK_RATE, kHz
        {16, 132},        // MULTIPROCESSOR_COUNT
        {36, 2619000},    // MEMORY_CLOCK_RATE, kHz
        {37, 6144},       // GLOBAL_MEMORY_BUS_WIDTH, bits
        {38, 52428800},   // L2_CACHE_SIZE, bytes
        {39, 2048},       // MAX_THREADS_PER_MULTIPROCESSOR
        {75, compute_major}, // COMPUTE_CAPABILITY_MAJOR
        {76, compute_minor}, // COMPUTE_CAPABILITY_MINOR
        {81, 233472},     // MAX_SHARED_MEMORY_PER_MULTIPROCESSOR
        {97, 232448},     // MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
    };
    auto it = attributes.find(attribute);
    if (it == attributes.end()) return refuse(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetAttribute", "attribute " + std::to_string(attribute) + " is not modelled by the mock");
    *value = it->second;
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice device)
{
    MOCKGPU_TRACE_CALL();
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (bytes == nullptr) return CUDA_ERROR_INVALID_VALUE;
    if (!valid_device(device)) return CUDA_ERROR_INVALID_DEVICE;
    *bytes = memory_limit();
    return CUDA_SUCCESS;
}

// --------------------------------------------------------------------------- the primary context

CUDA_API CUresult cuDevicePrimaryCtxRetain(CUcontext* context, CUdevice device)
{
    MOCKGPU_TRACE_CALL();
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (context == nullptr) return CUDA_ERROR_INVALID_VALUE;
    if (!valid_device(device)) return CUDA_ERROR_INVALID_DEVICE;
    std::lock_guard<std::mutex> lock(context_gate);
    primary.references++;
    primary.active = true;
    *context = &primary;
    return CUDA_SUCCESS;
}

// The last release destroys the context's resources ("cuDevicePrimaryCtxRelease ... the primary context will be
// destroyed when the last reference is released"): its work is finished, its memory and streams go, and so does
// a sticky error (a fresh context starts clean). The handle stays the same for the next retain.
CUDA_API CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device)
{
    MOCKGPU_TRACE_CALL();
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (!valid_device(device)) return CUDA_ERROR_INVALID_DEVICE;
    std::lock_guard<std::mutex> lock(context_gate);
    if (primary.references == 0) return refuse(CUDA_ERROR_INVALID_CONTEXT, "cuDevicePrimaryCtxRelease_v2", "the primary context is not retained");
    if (--primary.references > 0) return CUDA_SUCCESS;
    synchronize_all("cuDevicePrimaryCtxRelease_v2");
    destroy_all_streams();
    release_all();
    primary.active = false;
    sticky_error = CUDA_SUCCESS;
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuCtxSetCurrent(CUcontext context)
{
    MOCKGPU_TRACE_CALL();
    if (!initialized) return CUDA_ERROR_NOT_INITIALIZED;
    if (context != nullptr && context != &primary) return refuse(CUDA_ERROR_INVALID_CONTEXT, "cuCtxSetCurrent", "not a context of this driver");
    current = context;
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuCtxSynchronize()
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    return synchronize_all("cuCtxSynchronize");
}

// --------------------------------------------------------------------------- memory and copies

namespace
{
// A device range a copy touches: inside one live allocation, or CUDA_ERROR_INVALID_VALUE naming it.
CUresult device_range(const char* call, const char* which, CUdeviceptr address, size_t bytes)
{
    std::string why;
    if (check_range(address, bytes, &why)) return CUDA_SUCCESS;
    return refuse(CUDA_ERROR_INVALID_VALUE, call, std::string(which) + ": " + why);
}

CUresult host_range(const char* call, const char* which, const void* pointer, size_t bytes)
{
    if (pointer == nullptr && bytes != 0) return refuse(CUDA_ERROR_INVALID_VALUE, call, std::string(which) + " is null");
    return CUDA_SUCCESS;
}

void* at(CUdeviceptr a) { return reinterpret_cast<void*>(a); }
} // namespace

CUDA_API CUresult cuMemAlloc_v2(CUdeviceptr* address, size_t bytes)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    return allocate(address, bytes);
}

// Memory is freed once the device has finished with it: cuMemFree waits for the work queued before it.
CUDA_API CUresult cuMemFree_v2(CUdeviceptr address)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (address == 0) return CUDA_SUCCESS;
    if (CUresult r = synchronize_all("cuMemFree_v2")) return r;
    return release(address);
}

CUDA_API CUresult cuMemGetInfo_v2(size_t* free, size_t* total)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (free == nullptr || total == nullptr) return CUDA_ERROR_INVALID_VALUE;
    *total = memory_limit();
    *free = memory_limit() - bytes_in_use();
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t bytes)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (CUresult r = device_range("cuMemcpyHtoD_v2", "dstDevice", dst, bytes)) return r;
    if (CUresult r = host_range("cuMemcpyHtoD_v2", "srcHost", src, bytes)) return r;
    return run_synchronously({"cuMemcpyHtoD_v2", [=] { std::memcpy(at(dst), src, bytes); }});
}

CUDA_API CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (CUresult r = device_range("cuMemcpyDtoH_v2", "srcDevice", src, bytes)) return r;
    if (CUresult r = host_range("cuMemcpyDtoH_v2", "dstHost", dst, bytes)) return r;
    return run_synchronously({"cuMemcpyDtoH_v2", [=] { std::memcpy(dst, at(src), bytes); }});
}

// "For transfers from device memory to device memory, no host-side synchronization is performed."
CUDA_API CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (CUresult r = device_range("cuMemcpyDtoD_v2", "dstDevice", dst, bytes)) return r;
    if (CUresult r = device_range("cuMemcpyDtoD_v2", "srcDevice", src, bytes)) return r;
    return submit(nullptr, {"cuMemcpyDtoD_v2", [=] { std::memmove(at(dst), at(src), bytes); }});
}

// From pageable host memory "the host memory is copied to a staging buffer immediately": the caller may reuse
// its buffer as soon as the call returns, so the bytes are taken now.
CUDA_API CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t bytes, CUstream stream)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (CUresult r = device_range("cuMemcpyHtoDAsync_v2", "dstDevice", dst, bytes)) return r;
    if (CUresult r = host_range("cuMemcpyHtoDAsync_v2", "srcHost", src, bytes)) return r;
    auto staged = std::make_shared<std::vector<char>>(static_cast<const char*>(src), static_cast<const char*>(src) + bytes);
    return submit(stream, {"cuMemcpyHtoDAsync_v2", [=] { std::memcpy(at(dst), staged->data(), bytes); }});
}

// To pageable host memory "the function will return only once the copy has completed".
CUDA_API CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t bytes, CUstream stream)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (CUresult r = device_range("cuMemcpyDtoHAsync_v2", "srcDevice", src, bytes)) return r;
    if (CUresult r = host_range("cuMemcpyDtoHAsync_v2", "dstHost", dst, bytes)) return r;
    return submit_and_wait(stream, {"cuMemcpyDtoHAsync_v2", [=] { std::memcpy(dst, at(src), bytes); }});
}

CUDA_API CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (CUresult r = device_range("cuMemcpyDtoDAsync_v2", "dstDevice", dst, bytes)) return r;
    if (CUresult r = device_range("cuMemcpyDtoDAsync_v2", "srcDevice", src, bytes)) return r;
    return submit(stream, {"cuMemcpyDtoDAsync_v2", [=] { std::memmove(at(dst), at(src), bytes); }});
}

// cuMemsetD32: "dstDevice ... must be 4 byte aligned".
CUDA_API CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t count, CUstream stream)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (dst % 4 != 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemsetD32Async", "dstDevice " + hex(dst) + " is not 4-byte aligned");
    if (CUresult r = device_range("cuMemsetD32Async", "dstDevice", dst, count * 4)) return r;
    return submit(stream, {"cuMemsetD32Async", [=] {
                               auto* words = static_cast<unsigned*>(at(dst));
                               for (size_t i = 0; i < count; i++) words[i] = value;
                           }});
}
