// handle.cpp: cudnnCreate, cudnnDestroy, cudnnSetStream; fault injection; queueing work and checking device ranges.
//
// Fault injection: DAFL_MOCK_CUDNN_UNSUPPORTED, read when a handle is created, is a comma-separated list of
// direction:algorithm pairs, directions fwd, bwd_data and bwd_filter, algorithms by their enum number, e.g.
// "fwd:0,bwd_data:1,bwd_filter:1". A listed algorithm is reported with CUDNN_STATUS_NOT_SUPPORTED by the
// Get…_v7 and Find…Ex queries and refused with it by the workspace query and the convolution call, as cuDNN
// does with an algorithm that cannot run a problem.
#include "cudnn_mock.h"

#include <cstdlib>

namespace cudnn_mock
{
namespace
{
constexpr const char* injection_variable = "DAFL_MOCK_CUDNN_UNSUPPORTED";

// Parses DAFL_MOCK_CUDNN_UNSUPPORTED into unsupported[]; false with `why` for a malformed list, so that a typo
// fails loudly instead of leaving every algorithm available.
bool parse_injection(unsigned unsupported[3], std::string* why)
{
    const char* value = std::getenv(injection_variable);
    if (value == nullptr) return true;
    static const char* const directions[3] = {"fwd", "bwd_data", "bwd_filter"};
    std::string list(value);
    size_t start = 0;
    while (start <= list.size())
    {
        size_t end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        std::string item = list.substr(start, end - start);
        start = end + 1;
        if (item.empty()) continue;
        size_t colon = item.find(':');
        int direction = -1;
        for (int d = 0; d < 3 && colon != std::string::npos; ++d)
            if (item.compare(0, colon, directions[d]) == 0) direction = d;
        char* stop = nullptr;
        long algorithm = direction < 0 ? -1 : std::strtol(item.c_str() + colon + 1, &stop, 10);
        if (direction < 0 || stop == item.c_str() + colon + 1 || *stop != '\0' || algorithm < 0 ||
            algorithm >= algorithm_count[direction])
        {
            *why = text("%s=\"%s\": item \"%s\" is not direction:algorithm with direction fwd, bwd_data or bwd_filter "
                        "and algorithm 0..7, 0..5 or 0..6 respectively",
                        injection_variable, value, item.c_str());
            return false;
        }
        unsupported[direction] |= 1u << algorithm;
    }
    return true;
}
} // namespace

int require_handle(const char* function, const cudnnContext* handle)
{
    return require_live(function, "handle", handle, Kind::handle);
}

int submit(const char* function, const cudnnContext* handle, std::function<void()> work)
{
    int result = mockgpu::enqueue(handle->stream, function, std::move(work));
    if (result == 0) return CUDNN_STATUS_SUCCESS;
    return fail(CUDNN_STATUS_EXECUTION_FAILED, function,
                text("the driver refused the work on stream %p with CUresult %d (a destroyed stream, or the "
                     "context's sticky error)",
                     handle->stream, result));
}

int require_device_range(const char* function, const char* name, const void* address, size_t bytes)
{
    std::string why;
    if (mockgpu::check_range((mockgpu::DevicePtr)address, bytes, &why)) return CUDNN_STATUS_SUCCESS;
    std::string message = text("%s (%zu bytes) is not inside one live allocation: %s", name, bytes, why.c_str());
    mockgpu::fault(700 /* CUDA_ERROR_ILLEGAL_ADDRESS */, std::string(function) + ": " + message);
    return fail(CUDNN_STATUS_EXECUTION_FAILED, function, message);
}

int require_device_data(const char* function, const char* name, const void* address, size_t bytes)
{
    if (int status = require_pointers(function, {{name, address}})) return status;
    return require_device_range(function, name, address, bytes);
}
} // namespace cudnn_mock

using namespace cudnn_mock;

// cudnnCreate: BAD_PARAM for a null output pointer; NOT_INITIALIZED when initialisation fails (API reference),
// which here is a malformed DAFL_MOCK_CUDNN_UNSUPPORTED. The handle starts on the legacy default stream.
CUDNN_MOCK_API cudnnStatus_t cudnnCreate(cudnnHandle_t* handle)
{
    MOCKGPU_TRACE_CALL();
    if (handle == nullptr) return fail(CUDNN_STATUS_BAD_PARAM, "cudnnCreate", "handle (the output pointer) is NULL");
    auto* context = new cudnnContext;
    std::string why;
    if (!parse_injection(context->unsupported, &why))
    {
        delete context;
        return fail(CUDNN_STATUS_NOT_INITIALIZED, "cudnnCreate", why);
    }
    track(context, Kind::handle);
    *handle = context;
    return CUDNN_STATUS_SUCCESS;
}

// Work already queued holds copies of all it needs, so destroying the handle does not wait for it.
CUDNN_MOCK_API cudnnStatus_t cudnnDestroy(cudnnHandle_t handle)
{
    MOCKGPU_TRACE_CALL();
    if (int status = require_handle("cudnnDestroy", handle)) return status;
    untrack(handle);
    delete handle;
    return CUDNN_STATUS_SUCCESS;
}

// The stream is not checked here: the mock driver exposes no stream query, and a dead stream is refused by the
// first call that queues work on it (EXECUTION_FAILED with the driver's reason).
CUDNN_MOCK_API cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, void* stream)
{
    MOCKGPU_TRACE_CALL();
    if (int status = require_handle("cudnnSetStream", handle)) return status;
    handle->stream = stream;
    return CUDNN_STATUS_SUCCESS;
}
