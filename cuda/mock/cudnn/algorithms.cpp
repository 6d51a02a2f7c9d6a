// algorithms.cpp: the algorithms the mock offers per direction, the workspace each needs, and the queries
// Over 300 lines on purpose: the algorithm table, the ranking and the measured search are one model of what cuDNN
// offers, read together; the three directions' queries are one macro at the end.
// cudnnGet…Algorithm_v7 (a heuristic ranking, no device work), cudnnFind…AlgorithmEx (runs and times each
// algorithm on the caller's buffers) and cudnnGet…WorkspaceSize.
//
// Every offered algorithm computes with the same loops (convolution.cpp: exact products, double sums, a fixed order,
// so even the ones cuDNN calls non-deterministic repeat bit for bit here); they differ in what a caller must get
// right: how much workspace they need (which the convolution call enforces and overwrites), whether cuDNN
// documents them as deterministic (cudnn_ops.h marks BWD_DATA_ALGO_0, BWD_FILTER_ALGO_0 and BWD_FILTER_ALGO_3
// non-deterministic), which problems they can run, and where they rank. The heuristic ranks a non-deterministic
// backward algorithm first, so a caller that must be reproducible has to read the determinism field rather than
// take the first entry. Each backward direction offers a second deterministic algorithm, WINOGRAD_NONFUSED, which
// cuDNN restricts to 3×3 and 5×5 filters at stride 1 without dilation (cuDNN API reference, cudnn_cnn library,
// "Supported Algorithms for cudnnConvolutionBackwardData() / …BackwardFilter() 2D Convolutions"; the exact table is
// an assumption a GPU confirms): so a caller whose first deterministic choice is refused has one to fall back to,
// as it would on a GPU, and meets an algorithm that some shapes cannot use.
#include "cudnn_mock.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace cudnn_mock
{
namespace
{
size_t no_workspace(const ConvolutionGeometry&)
{
    return 0;
}

// IMPLICIT_PRECOMP_GEMM: a table of input offsets, one int per filter tap of a group's channels.
size_t tap_offsets(const ConvolutionGeometry& g)
{
    return sizeof(int) * (size_t)(g.c / g.groups) * g.r * g.s;
}

// GEMM, BWD_DATA_ALGO_1, BWD_FILTER_ALGO_1: one image's and group's lowered matrix (im2col / its gradient).
size_t lowered_image(const ConvolutionGeometry& g)
{
    return sizeof(float) * (size_t)(g.c / g.groups) * g.r * g.s * g.ho * g.wo;
}

// BWD_FILTER_ALGO_3: a partial filter gradient.
size_t partial_filter(const ConvolutionGeometry& g)
{
    return sizeof(float) * g.w_elements();
}

// WINOGRAD_NONFUSED: the transformed input, filter and output gradient, one float each per element here (cuDNN's
// real need is its own; what matters is that the caller sizes the workspace from the query).
size_t transformed_operands(const ConvolutionGeometry& g)
{
    return sizeof(float) * (g.x_elements() + g.w_elements() + g.y_elements());
}

bool any_problem(const ConvolutionGeometry&)
{
    return true;
}

bool small_filter_unit_stride(const ConvolutionGeometry& g)
{
    const bool filter = g.r == g.s && (g.r == 3 || g.r == 5);
    return filter && g.stride_h == 1 && g.stride_w == 1 && g.dilation_h == 1 && g.dilation_w == 1;
}

struct Algorithm
{
    const char* name;
    bool offered;
    bool deterministic;
    size_t (*workspace)(const ConvolutionGeometry&);
    bool (*supports)(const ConvolutionGeometry&);
};

// Indexed by the direction's enum (cudnnConvolutionFwdAlgo_t, …BwdDataAlgo_t, …BwdFilterAlgo_t, cuDNN 9.6).
const Algorithm forward_algorithms[8] = {
    {"CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM", true, true, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM", true, true, tap_offsets, any_problem},
    {"CUDNN_CONVOLUTION_FWD_ALGO_GEMM", true, true, lowered_image, any_problem},
    {"CUDNN_CONVOLUTION_FWD_ALGO_DIRECT", false, true, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_FWD_ALGO_FFT", false, true, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING", false, true, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD", false, true, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED", false, true, no_workspace, any_problem},
};
const Algorithm backward_data_algorithms[6] = {
    {"CUDNN_CONVOLUTION_BWD_DATA_ALGO_0", true, false, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_BWD_DATA_ALGO_1", true, true, lowered_image, any_problem},
    {"CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT", false, true, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING", false, true, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD", false, true, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED", true, true, transformed_operands, small_filter_unit_stride},
};
const Algorithm backward_filter_algorithms[7] = {
    {"CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0", true, false, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1", true, true, lowered_image, any_problem},
    {"CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT", false, true, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3", true, false, partial_filter, any_problem},
    {"CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD", false, true, no_workspace, any_problem},
    {"CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED", true, true, transformed_operands, small_filter_unit_stride},
    {"CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING", false, true, no_workspace, any_problem},
};

const Algorithm& algorithm(Direction direction, int number)
{
    if (direction == Direction::forward) return forward_algorithms[number];
    if (direction == Direction::backward_data) return backward_data_algorithms[number];
    return backward_filter_algorithms[number];
}

// The heuristic's order, best first: offered algorithms, then the rest.
const std::vector<int>& ranking(Direction direction)
{
    static const std::vector<int> orders[3] = {
        {1, 0, 2, 3, 4, 5, 6, 7},
        {0, 1, 5, 2, 3, 4},
        {0, 1, 3, 5, 2, 4, 6},
    };
    return orders[(int)direction];
}

bool refused(const cudnnContext* handle, Direction direction, int number)
{
    return (handle->unsupported[(int)direction] & (1u << number)) != 0;
}

bool runnable(const cudnnContext* handle, Direction direction, int number, const ConvolutionGeometry& g)
{
    const Algorithm& a = algorithm(direction, number);
    return a.offered && a.supports(g) && !refused(handle, direction, number);
}

// A perf entry as the heuristic reports it: the time is −1 (not measured); an algorithm that cannot run the problem
// has CUDNN_STATUS_NOT_SUPPORTED and no workspace.
cudnnConvolutionAlgoPerf entry(const cudnnContext* handle, Direction direction, int number, const ConvolutionGeometry& g)
{
    const Algorithm& a = algorithm(direction, number);
    const bool ok = runnable(handle, direction, number, g);
    cudnnConvolutionAlgoPerf p = {};
    p.algo = number;
    p.status = ok ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_NOT_SUPPORTED;
    p.time = -1;
    p.memory = ok ? a.workspace(g) : 0;
    p.determinism = a.deterministic ? CUDNN_DETERMINISTIC : CUDNN_NON_DETERMINISTIC;
    p.mathType = g.math_type;
    return p;
}

int require_outputs(const char* function, int requested, const int* returned, const cudnnConvolutionAlgoPerf* perf)
{
    if (requested <= 0) return fail(CUDNN_STATUS_BAD_PARAM, function, text("requestedAlgoCount %d must be > 0", requested));
    return require_pointers(function, {{"returnedAlgoCount", returned}, {"perfResults", perf}});
}

// Up to `requested` entries into perf: the runnable ones first, each part keeping the order it came in.
void report(std::vector<cudnnConvolutionAlgoPerf> entries, int requested, int* returned, cudnnConvolutionAlgoPerf* perf)
{
    std::stable_partition(entries.begin(), entries.end(),
                          [](const cudnnConvolutionAlgoPerf& p) { return p.status == CUDNN_STATUS_SUCCESS; });
    const int count = std::min<int>(requested, (int)entries.size());
    std::copy(entries.begin(), entries.begin() + count, perf);
    *returned = count;
}

// The heuristic: the algorithms sorted by the performance cuDNN expects of them, the fastest at index 0, without
// running anything (API reference, cudnnGetConvolutionForwardAlgorithm_v7).
int heuristic(const char* function, Direction direction, const cudnnContext* handle, const ConvolutionGeometry& g,
              int requested, int* returned, cudnnConvolutionAlgoPerf* perf)
{
    if (int status = require_outputs(function, requested, returned, perf)) return status;
    std::vector<cudnnConvolutionAlgoPerf> entries;
    for (int number : ranking(direction)) entries.push_back(entry(handle, direction, number, g));
    report(std::move(entries), requested, returned, perf);
    return CUDNN_STATUS_SUCCESS;
}

// The state a Find shares with the work it queues.
struct Measurement
{
    std::mutex gate;
    std::condition_variable changed;
    bool finished = false;  // the queued work is gone: it ran, the driver skipped it, or a fault cut it short
    bool completed = false; // it ran to its end
    std::vector<float> milliseconds;
};

// Held only by the queued work: destroyed with it, however it ended, it marks the measurement finished.
struct Finisher
{
    std::shared_ptr<Measurement> measurement;
    explicit Finisher(std::shared_ptr<Measurement> m) : measurement(std::move(m)) {}
    Finisher(const Finisher&) = delete;
    Finisher& operator=(const Finisher&) = delete;
    ~Finisher()
    {
        {
            std::lock_guard<std::mutex> lock(measurement->gate);
            measurement->finished = true;
        }
        measurement->changed.notify_all();
    }
};

// Find waits for its own work, as cuDNN's does (it synchronises to time the algorithms, so it is refused while the
// stream is captured). Far longer than any queue in the tests takes to drain; past it, Find gives up.
constexpr auto find_timeout = std::chrono::minutes(5);

// The measured search: runs every runnable algorithm whose workspace fits, in heuristic order, on the caller's
// buffers (the output is overwritten) with alpha = 1, beta = 0, and reports them by increasing measured time (API
// reference, cudnnFindConvolutionForwardAlgorithmEx: the first element has the lowest compute time); then the ones
// it could not run, with CUDNN_STATUS_NOT_SUPPORTED: not offered, unable to run this problem, refused by
// DAFL_MOCK_CUDNN_UNSUPPORTED, or needing more workspace than given (memory then says how much).
int find(const char* function, Direction direction, const cudnnContext* handle, const ConvolutionGeometry& g,
         const void* a, const void* b, void* out, int requested, int* returned, cudnnConvolutionAlgoPerf* perf,
         void* workspace, size_t workspace_size)
{
    if (int status = require_outputs(function, requested, returned, perf)) return status;
    if (int status = require_convolution_operands(function, direction, g, a, b, out)) return status;
    const size_t available = workspace == nullptr ? 0 : workspace_size;
    std::vector<int> candidates;
    size_t touched = 0;
    for (int number : ranking(direction))
    {
        const size_t need = algorithm(direction, number).workspace(g);
        if (!runnable(handle, direction, number, g) || need > available) continue;
        candidates.push_back(number);
        touched = std::max(touched, need);
    }
    if (touched > 0)
        if (int status = require_device_range(function, "workSpace", workspace, touched)) return status;

    if (mockgpu::is_capturing(handle->stream))
        return fail(CUDNN_STATUS_EXECUTION_FAILED, function,
                    "the handle's stream is being captured: Find synchronises to time the algorithms, which a capture forbids");
    auto measurement = std::make_shared<Measurement>();
    measurement->milliseconds.resize(candidates.size());
    {
        auto finisher = std::make_shared<Finisher>(measurement);
        auto in_a = static_cast<const float*>(a), in_b = static_cast<const float*>(b);
        auto result = static_cast<float*>(out);
        int status = submit(function, handle, [finisher, candidates, direction, g, in_a, in_b, result, workspace] {
            Measurement& m = *finisher->measurement;
            for (size_t i = 0; i < candidates.size(); ++i)
            {
                auto start = std::chrono::steady_clock::now();
                run_algorithm(direction, candidates[i], g, in_a, in_b, result, 1.0f, 0.0f, workspace);
                m.milliseconds[i] = std::chrono::duration<float, std::milli>(std::chrono::steady_clock::now() - start).count();
            }
            m.completed = true;
        });
        if (status) return status;
    }
    {
        std::unique_lock<std::mutex> lock(measurement->gate);
        if (!measurement->changed.wait_for(lock, find_timeout, [&] { return measurement->finished; }))
            return fail(CUDNN_STATUS_EXECUTION_FAILED, function,
                        text("the timing run did not finish within %d minutes", (int)find_timeout.count()));
        if (!measurement->completed)
            return fail(CUDNN_STATUS_EXECUTION_FAILED, function,
                        "the timing run did not complete (a device fault or the context's sticky error: see the mock "
                        "GPU's message on stderr)");
    }

    std::vector<cudnnConvolutionAlgoPerf> entries;
    for (size_t i = 0; i < candidates.size(); ++i)
    {
        cudnnConvolutionAlgoPerf p = entry(handle, direction, candidates[i], g);
        p.time = measurement->milliseconds[i];
        entries.push_back(p);
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const cudnnConvolutionAlgoPerf& x, const cudnnConvolutionAlgoPerf& y) { return x.time < y.time; });
    for (int number : ranking(direction))
    {
        if (std::find(candidates.begin(), candidates.end(), number) != candidates.end()) continue;
        cudnnConvolutionAlgoPerf p = entry(handle, direction, number, g);
        p.status = CUDNN_STATUS_NOT_SUPPORTED; // already so, or runnable with a workspace that does not fit
        entries.push_back(p);
    }
    report(std::move(entries), requested, returned, perf);
    return CUDNN_STATUS_SUCCESS;
}

int workspace_query(const char* function, Direction direction, const cudnnContext* handle, const ConvolutionGeometry& g,
                    int number, size_t* size)
{
    if (int status = require_pointers(function, {{"sizeInBytes", size}})) return status;
    if (int status = require_algorithm(function, handle, direction, number, g)) return status;
    *size = workspace_bytes(direction, number, g);
    return CUDNN_STATUS_SUCCESS;
}
} // namespace

const char* algorithm_name(Direction direction, int number)
{
    return algorithm(direction, number).name;
}

int require_algorithm(const char* function, const cudnnContext* handle, Direction direction, int number,
                      const ConvolutionGeometry& geometry)
{
    static const char* const enums[3] = {"cudnnConvolutionFwdAlgo_t", "cudnnConvolutionBwdDataAlgo_t",
                                          "cudnnConvolutionBwdFilterAlgo_t"};
    const int count = algorithm_count[(int)direction];
    if (number < 0 || number >= count)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("algo %d is not a %s (0..%d)", number, enums[(int)direction], count - 1));
    const Algorithm& a = algorithm(direction, number);
    if (!a.offered)
        return fail(CUDNN_STATUS_NOT_SUPPORTED, function, text("%s is not offered by the mock cuDNN", a.name));
    if (!a.supports(geometry))
        return fail(CUDNN_STATUS_NOT_SUPPORTED, function,
                    text("%s cannot run this problem (filter %d×%d, stride %d×%d, dilation %d×%d)", a.name, geometry.r,
                         geometry.s, geometry.stride_h, geometry.stride_w, geometry.dilation_h, geometry.dilation_w));
    if (refused(handle, direction, number))
        return fail(CUDNN_STATUS_NOT_SUPPORTED, function, text("%s is refused by DAFL_MOCK_CUDNN_UNSUPPORTED", a.name));
    return CUDNN_STATUS_SUCCESS;
}

size_t workspace_bytes(Direction direction, int number, const ConvolutionGeometry& geometry)
{
    return algorithm(direction, number).workspace(geometry);
}
} // namespace cudnn_mock

using namespace cudnn_mock;

// The three directions' queries share one C signature (cudnn_cnn.h), so one definition makes each direction's three
// (MOCK_CONVOLUTION_DIRECTIONS, cudnn_mock.h, gives the directions and their descriptors).
#define MOCK_CONVOLUTION_QUERIES(Word, direction, FirstDesc, SecondDesc, ResultDesc, X, W, Y)                            \
    CUDNN_MOCK_API cudnnStatus_t cudnnGetConvolution##Word##Algorithm_v7(                                               \
        cudnnHandle_t handle, FirstDesc firstDesc, SecondDesc secondDesc, cudnnConvolutionDescriptor_t convDesc,        \
        ResultDesc resultDesc, int requestedAlgoCount, int* returnedAlgoCount, cudnnConvolutionAlgoPerf* perfResults)   \
    {                                                                                                                   \
        MOCKGPU_TRACE_CALL();                                                                                           \
        ConvolutionGeometry g{};                                                                                        \
        if (int status = begin_convolution(__func__, Direction::direction, handle, X, W, convDesc, Y, &g)) return status; \
        return heuristic(__func__, Direction::direction, handle, g, requestedAlgoCount, returnedAlgoCount, perfResults); \
    }                                                                                                                   \
                                                                                                                        \
    CUDNN_MOCK_API cudnnStatus_t cudnnFindConvolution##Word##AlgorithmEx(                                               \
        cudnnHandle_t handle, FirstDesc firstDesc, const void* first, SecondDesc secondDesc, const void* second,        \
        cudnnConvolutionDescriptor_t convDesc, ResultDesc resultDesc, void* result, int requestedAlgoCount,             \
        int* returnedAlgoCount, cudnnConvolutionAlgoPerf* perfResults, void* workSpace, size_t workSpaceSizeInBytes)    \
    {                                                                                                                   \
        MOCKGPU_TRACE_CALL();                                                                                           \
        ConvolutionGeometry g{};                                                                                        \
        if (int status = begin_convolution(__func__, Direction::direction, handle, X, W, convDesc, Y, &g)) return status; \
        return find(__func__, Direction::direction, handle, g, first, second, result, requestedAlgoCount,               \
                    returnedAlgoCount, perfResults, workSpace, workSpaceSizeInBytes);                                   \
    }                                                                                                                   \
                                                                                                                        \
    CUDNN_MOCK_API cudnnStatus_t cudnnGetConvolution##Word##WorkspaceSize(                                              \
        cudnnHandle_t handle, FirstDesc firstDesc, SecondDesc secondDesc, cudnnConvolutionDescriptor_t convDesc,        \
        ResultDesc resultDesc, int algo, size_t* sizeInBytes)                                                           \
    {                                                                                                                   \
        MOCKGPU_TRACE_CALL();                                                                                           \
        ConvolutionGeometry g{};                                                                                        \
        if (int status = begin_convolution(__func__, Direction::direction, handle, X, W, convDesc, Y, &g)) return status; \
        return workspace_query(__func__, Direction::direction, handle, g, algo, sizeInBytes);                          \
    }

MOCK_CONVOLUTION_DIRECTIONS(MOCK_CONVOLUTION_QUERIES)
