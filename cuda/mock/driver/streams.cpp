// streams.cpp: streams, events, stream capture and graphs, modelled as the CUDA Programming Guide and the driver
// Over 300 lines on purpose: the stream model is one state machine (queues, workers, legacy-stream ordering, events,
// capture) over one registry and one lock; split, every part would reach into the same private state.
// API reference describe them, so that a missing synchronisation gives a wrong answer here as on a GPU.
//
// - Every stream, the legacy default stream included, is a queue that a worker thread of its own runs in order.
//   A call that queues work returns at once; the work runs later.
// - The legacy default stream (handle 0 or CU_STREAM_LEGACY) "synchronizes with all other blocking streams in the
//   same context" (driver API, "Stream synchronization behavior"): its operation waits for everything queued
//   before it on each blocking stream, and an operation of a blocking stream waits for everything queued before
//   it on the legacy stream. A stream made with CU_STREAM_NON_BLOCKING does neither.
// - The synchronous copies (cuMemcpyHtoD etc.) are legacy-stream operations that the call waits for ("API
//   synchronization behavior": a device-to-host copy returns once it is done; host-to-device from pageable memory
//   synchronises the stream first). So they do NOT wait for a non-blocking stream: reading a non-blocking
//   stream's result with one, without synchronising that stream, reads whatever was there before.
// - Events mark a point in a stream; cuStreamWaitEvent makes later work on another stream wait for it.
// - Capture records a stream's work into a graph instead of running it; a launch of the instantiated graph queues
//   the recorded work again. A synchronisation of the capturing stream, or a legacy-stream call while a blocking
//   stream captures, is refused with CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED and invalidates the capture.
// - Device work runs one operation at a time (the emulator has global state: a mock GPU of one SM).
// - A test can hold a stream (mockgpu_hold_stream): its worker starts nothing more until the hold is lifted, as a
//   GPU busy with other work may leave a stream's queue untouched for as long as it likes. A missing
//   synchronisation then reads stale data every time, not only when the timing happens to expose it.
#include "driver.h"
#include "../../emulator/emulator.h"

#include <chrono>
#include <condition_variable>
#include <csetjmp>
#include <csignal>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

struct MockGraph
{
    std::vector<mockgpu::Operation> operations;
};

struct MockGraphExec
{
    std::vector<mockgpu::Operation> operations;
};

struct MockStream
{
    bool legacy = false;
    bool blocking = true;
    std::mutex gate;
    std::condition_variable changed;
    struct Queued
    {
        mockgpu::Operation operation;
        std::vector<std::pair<MockStream*, uint64_t>> after; // (stream, its operation count) to wait for first
    };
    std::deque<Queued> queue;
    uint64_t queued = 0, completed = 0; // operations ever queued / finished
    bool stopping = false;
    bool held = false; // mockgpu_hold_stream: queued work waits
    // Capture: the graph being recorded, whether a refused call invalidated it, its mode and thread.
    MockGraph* capture = nullptr;
    bool capture_invalidated = false;
    int capture_mode = 0;
    std::thread::id capture_thread;
};

struct MockEvent
{
    bool timing = true;
    MockStream* stream = nullptr; // where it was last recorded; null if never
    uint64_t position = 0;        // the stream's operation count once the record has run
    std::shared_ptr<double> milliseconds;
};

namespace mockgpu
{
namespace
{
constexpr uintptr_t legacy_handle = 0x1;      // CU_STREAM_LEGACY
constexpr uintptr_t per_thread_handle = 0x2;  // CU_STREAM_PER_THREAD
constexpr unsigned non_blocking_flag = 0x1;   // CU_STREAM_NON_BLOCKING
constexpr unsigned disable_timing_flag = 0x2; // CU_EVENT_DISABLE_TIMING
constexpr int capture_mode_relaxed = 2;       // CU_STREAM_CAPTURE_MODE_RELAXED

// Leaked on purpose: workers may still wait on these while the process's static destructors run.
struct Registry
{
    std::mutex gate;
    std::set<MockStream*> streams; // live, the legacy one included
    std::set<MockEvent*> events;
    std::set<MockGraph*> graphs;
    std::set<MockGraphExec*> execs;
    MockStream* legacy = nullptr;
};
Registry& registry()
{
    static Registry* r = new Registry;
    return *r;
}

std::mutex& execution_lock()
{
    static std::mutex* m = new std::mutex;
    return *m;
}

double now_ms()
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void wait_until(MockStream* s, uint64_t count)
{
    std::unique_lock<std::mutex> lock(s->gate);
    s->changed.wait(lock, [&] { return s->completed >= count; });
}

void work_loop(MockStream* s)
{
    for (;;)
    {
        MockStream::Queued next;
        {
            std::unique_lock<std::mutex> lock(s->gate);
            s->changed.wait(lock, [&] { return (!s->queue.empty() && !s->held) || (s->stopping && s->queue.empty()); });
            if (s->queue.empty()) return; // destroyed and drained
            next = std::move(s->queue.front());
            s->queue.pop_front();
        }
        for (auto& [other, count] : next.after) wait_until(other, count);
        if (next.operation.work) execute(next.operation);
        {
            std::lock_guard<std::mutex> lock(s->gate);
            s->completed++;
        }
        s->changed.notify_all();
    }
}

MockStream* make_stream(bool legacy, bool blocking)
{
    auto* s = new MockStream;
    s->legacy = legacy;
    s->blocking = blocking;
    std::thread(work_loop, s).detach(); // never joined: see Registry
    return s;
}

MockStream* legacy_stream()
{
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    if (r.legacy == nullptr) r.streams.insert(r.legacy = make_stream(true, true));
    return r.legacy;
}

// The stream a handle names; null for a handle that is not a live stream.
MockStream* resolve(CUstream handle)
{
    auto h = reinterpret_cast<uintptr_t>(handle);
    if (h == 0 || h == legacy_handle) return legacy_stream();
    if (h == per_thread_handle) return nullptr; // the per-thread default stream is not used by the bindings
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    return r.streams.count(handle) ? handle : nullptr;
}

// A blocking stream (not the legacy one) that is capturing in a mode that forbids legacy-stream calls.
bool blocking_capture_forbids_legacy()
{
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    for (MockStream* s : r.streams)
    {
        std::lock_guard<std::mutex> slock(s->gate);
        if (s->capture && s->blocking && !s->legacy && s->capture_mode != capture_mode_relaxed) return true;
    }
    return false;
}

void invalidate_captures()
{
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    for (MockStream* s : r.streams)
    {
        std::lock_guard<std::mutex> slock(s->gate);
        if (s->capture) s->capture_invalidated = true;
    }
}

// Queues on `s` with the legacy stream's implicit ordering, after the operations in `after` too (an event's);
// `position` gets the stream's operation count after it.
CUresult push(MockStream* s, Operation operation, uint64_t* position, std::vector<std::pair<MockStream*, uint64_t>> after = {})
{
    if (s->legacy && blocking_capture_forbids_legacy())
    {
        invalidate_captures();
        return refuse(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, operation.what.c_str(),
                      "the legacy default stream was used while a blocking stream was being captured");
    }
    {
        auto& r = registry();
        std::lock_guard<std::mutex> lock(r.gate);
        for (MockStream* t : r.streams)
        {
            if (t == s) continue;
            bool implied = s->legacy ? t->blocking : (s->blocking && t->legacy);
            if (!implied) continue;
            std::lock_guard<std::mutex> tlock(t->gate);
            if (t->queued > t->completed) after.emplace_back(t, t->queued);
        }
    }
    {
        std::lock_guard<std::mutex> lock(s->gate);
        if (s->capture)
        {
            s->capture->operations.push_back(std::move(operation));
            if (position) *position = 0;
            return CUDA_SUCCESS;
        }
        s->queue.push_back({std::move(operation), std::move(after)});
        s->queued++;
        if (position) *position = s->queued;
    }
    s->changed.notify_all();
    return CUDA_SUCCESS;
}

// Where a live event was last recorded: the stream (null if never) and the operation count to wait for, read
// under the registry lock because cuEventRecord may be rewriting them on another thread.
CUresult last_record(const char* call, CUevent event, MockStream** stream, uint64_t* position)
{
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    if (!r.events.count(event)) return refuse(CUDA_ERROR_INVALID_HANDLE, call, "not a live event");
    *stream = event->stream;
    *position = event->position;
    return CUDA_SUCCESS;
}

// --------------------------------------------------------------------------- faults inside device work

thread_local sigjmp_buf* device_work = nullptr; // set while this thread runs device work
thread_local void* fault_address = nullptr;
thread_local char emulator_message[256];
struct sigaction previous_segv, previous_bus;

void chain(int sig, siginfo_t* info, void* context)
{
    const struct sigaction& old = sig == SIGSEGV ? previous_segv : previous_bus;
    if (old.sa_flags & SA_SIGINFO)
    {
        old.sa_sigaction(sig, info, context);
        return;
    }
    if (old.sa_handler == SIG_IGN) return;
    if (old.sa_handler == SIG_DFL)
    {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    old.sa_handler(sig);
}

void on_signal(int sig, siginfo_t* info, void* context)
{
    if (device_work == nullptr) return chain(sig, info, context);
    fault_address = info->si_addr;
    siglongjmp(*device_work, 1);
}

void on_emulator_failure(const char* what)
{
    std::snprintf(emulator_message, sizeof emulator_message, "%s", what);
    siglongjmp(*device_work, 2);
}

void install_handlers()
{
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action = {};
        action.sa_sigaction = on_signal;
        action.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&action.sa_mask);
        sigaction(SIGSEGV, &action, &previous_segv);
        sigaction(SIGBUS, &action, &previous_bus);
        emulator::on_fail = on_emulator_failure;
    });
}
} // namespace

void execute(const Operation& operation)
{
    install_handlers();
    std::lock_guard<std::mutex> lock(execution_lock());
    if (sticky() != CUDA_SUCCESS) return; // a context with a sticky error runs nothing more
    sigjmp_buf here;
    int how = sigsetjmp(here, 1);
    if (how == 0)
    {
        device_work = &here;
        operation.work();
        device_work = nullptr;
    }
    else
    {
        device_work = nullptr;
        emulator::reset();
        if (how == 1)
            fault(CUDA_ERROR_ILLEGAL_ADDRESS, operation.what + " accessed " + locate(reinterpret_cast<CUdeviceptr>(fault_address)) +
                                                  " (address " + std::to_string(reinterpret_cast<uintptr_t>(fault_address)) + ")");
        else
            fault(CUDA_ERROR_LAUNCH_FAILED, operation.what + ": " + emulator_message);
    }
    check_canaries(operation.what.c_str());
}

CUresult submit(CUstream stream, Operation operation)
{
    MockStream* s = resolve(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, operation.what.c_str(), "the stream is not a live stream");
    return push(s, std::move(operation), nullptr);
}

CUresult submit_and_wait(CUstream stream, Operation operation)
{
    MockStream* s = resolve(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, operation.what.c_str(), "the stream is not a live stream");
    uint64_t position = 0;
    if (CUresult r = push(s, std::move(operation), &position)) return r;
    if (position != 0) wait_until(s, position);
    return sticky();
}

CUresult run_synchronously(Operation operation)
{
    MockStream* s = legacy_stream();
    uint64_t position = 0;
    if (CUresult r = push(s, std::move(operation), &position)) return r;
    wait_until(s, position);
    return sticky();
}

static bool capturing_anywhere()
{
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    for (MockStream* s : r.streams)
    {
        std::lock_guard<std::mutex> slock(s->gate);
        if (s->capture) return true;
    }
    return false;
}

CUresult synchronize_all(const char* call)
{
    if (capturing_anywhere())
    {
        invalidate_captures();
        return refuse(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, call, "a stream is being captured");
    }
    std::vector<std::pair<MockStream*, uint64_t>> targets;
    {
        auto& r = registry();
        std::lock_guard<std::mutex> lock(r.gate);
        for (MockStream* s : r.streams)
        {
            std::lock_guard<std::mutex> slock(s->gate);
            targets.emplace_back(s, s->queued);
        }
    }
    for (auto& [s, count] : targets) wait_until(s, count);
    return sticky();
}

void destroy_all_streams()
{
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    for (MockStream* s : r.streams)
    {
        if (s == r.legacy) continue;
        {
            std::lock_guard<std::mutex> slock(s->gate);
            s->stopping = true;
        }
        s->changed.notify_all();
    }
    for (auto it = r.streams.begin(); it != r.streams.end();)
        it = *it == r.legacy ? std::next(it) : r.streams.erase(it);
}

MOCKGPU_API bool is_capturing(void* stream)
{
    MockStream* s = resolve(static_cast<CUstream>(stream));
    if (s == nullptr) return false;
    std::lock_guard<std::mutex> lock(s->gate);
    return s->capture != nullptr;
}

MOCKGPU_API int enqueue(void* stream, const char* what, std::function<void()> work)
{
    if (CUresult r = sticky()) return r;
    return submit(static_cast<CUstream>(stream), {what, std::move(work)});
}
} // namespace mockgpu

using namespace mockgpu;

// --------------------------------------------------------------------------- streams

CUDA_API CUresult cuStreamCreate(CUstream* stream, unsigned flags)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (stream == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, "cuStreamCreate", "phStream is null");
    if (flags & ~non_blocking_flag) return refuse(CUDA_ERROR_INVALID_VALUE, "cuStreamCreate", "unknown flags " + std::to_string(flags));
    MockStream* s = make_stream(false, (flags & non_blocking_flag) == 0);
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    r.streams.insert(s);
    *stream = s;
    return CUDA_SUCCESS;
}

// "In case the device is still doing work in the stream hStream when cuStreamDestroy() is called, the function
// will return immediately and the resources associated with hStream will be released automatically once the
// device has completed all work in hStream." So it does not wait: the worker drains the queue, then stops.
CUDA_API CUresult cuStreamDestroy_v2(CUstream stream)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    if (stream == nullptr || reinterpret_cast<uintptr_t>(stream) <= per_thread_handle || !r.streams.count(stream))
        return refuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamDestroy_v2", "not a stream made by cuStreamCreate");
    r.streams.erase(stream);
    {
        std::lock_guard<std::mutex> slock(stream->gate);
        stream->stopping = true;
    }
    stream->changed.notify_all();
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuStreamSynchronize(CUstream stream)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    MockStream* s = resolve(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamSynchronize", "not a live stream");
    {
        std::lock_guard<std::mutex> lock(s->gate);
        if (s->capture)
        {
            s->capture_invalidated = true;
            return refuse(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuStreamSynchronize", "the stream is being captured");
        }
    }
    if (s->legacy) return run_synchronously({"cuStreamSynchronize", nullptr});
    uint64_t count;
    {
        std::lock_guard<std::mutex> lock(s->gate);
        count = s->queued;
    }
    wait_until(s, count);
    return sticky();
}

CUDA_API CUresult cuStreamWaitEvent(CUstream stream, CUevent event, unsigned flags)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (flags != 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuStreamWaitEvent", "flags must be 0");
    MockStream* s = resolve(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamWaitEvent", "not a live stream");
    if (is_capturing(s))
        return refuse(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuStreamWaitEvent", "waiting on an event inside a capture is not modelled by the mock");
    MockStream* other;
    uint64_t position;
    if (CUresult r = last_record("cuStreamWaitEvent", event, &other, &position)) return r;
    if (other == nullptr) return CUDA_SUCCESS; // an event never recorded has no work to wait for
    // An ordinary operation of the stream (the legacy stream's ordering and its capture check apply), which runs
    // once the event's work is done.
    return push(s, {"cuStreamWaitEvent", nullptr}, nullptr, {{other, position}});
}

// Holds (hold ≠ 0) or releases a stream, 0 or CU_STREAM_LEGACY included: while held, nothing more queued on it
// starts, and whatever waits for that work (a synchronisation, the legacy stream's implicit ordering, an event)
// waits until it is released. A test control, exported beside the driver API like mockgpu_inject.
CUDA_API CUresult mockgpu_hold_stream(CUstream stream, int hold)
{
    MockStream* s = resolve(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "mockgpu_hold_stream", "not a live stream");
    {
        std::lock_guard<std::mutex> lock(s->gate);
        s->held = hold != 0;
    }
    s->changed.notify_all();
    return CUDA_SUCCESS;
}

// --------------------------------------------------------------------------- events

CUDA_API CUresult cuEventCreate(CUevent* event, unsigned flags)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (event == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, "cuEventCreate", "phEvent is null");
    auto* e = new MockEvent;
    e->timing = (flags & disable_timing_flag) == 0;
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    r.events.insert(e);
    *event = e;
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuEventRecord(CUevent event, CUstream stream)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    {
        auto& r = registry();
        std::lock_guard<std::mutex> lock(r.gate);
        if (!r.events.count(event)) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventRecord", "not a live event");
    }
    MockStream* s = resolve(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventRecord", "not a live stream");
    {
        std::lock_guard<std::mutex> lock(s->gate);
        if (s->capture) return refuse(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuEventRecord", "recording an event inside a capture is not modelled by the mock");
    }
    auto slot = std::make_shared<double>(0.0);
    uint64_t position = 0;
    if (CUresult r = push(s, {"cuEventRecord", [slot] { *slot = now_ms(); }}, &position)) return r;
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    // Checked again: another thread may have destroyed the event since the first check (the queued record only
    // writes the shared slot, so it may still run).
    if (!r.events.count(event)) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuEventRecord", "the event was destroyed during the call");
    event->stream = s;
    event->position = position;
    event->milliseconds = slot;
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuEventSynchronize(CUevent event)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    MockStream* s;
    uint64_t position;
    if (CUresult r = last_record("cuEventSynchronize", event, &s, &position)) return r;
    if (s != nullptr) wait_until(s, position); // "If cuEventRecord() has not been called on this event, the function returns immediately"
    return sticky();
}

static bool completed(MockEvent* e)
{
    std::lock_guard<std::mutex> lock(e->stream->gate);
    return e->stream->completed >= e->position;
}

// cuEventElapsedTime: CUDA_ERROR_INVALID_HANDLE if either event was not recorded or has CU_EVENT_DISABLE_TIMING;
// CUDA_ERROR_NOT_READY if either has not completed yet.
static CUresult elapsed(const char* call, float* ms, CUevent start, CUevent end)
{
    if (CUresult r = ready()) return r;
    if (ms == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, call, "pMilliseconds is null");
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    if (!r.events.count(start) || !r.events.count(end)) return refuse(CUDA_ERROR_INVALID_HANDLE, call, "not a live event");
    if (!start->timing || !end->timing) return refuse(CUDA_ERROR_INVALID_HANDLE, call, "an event was created with CU_EVENT_DISABLE_TIMING");
    if (start->stream == nullptr || end->stream == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, call, "an event was never recorded");
    if (!completed(start) || !completed(end)) return CUDA_ERROR_NOT_READY;
    *ms = (float)(*end->milliseconds - *start->milliseconds);
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuEventElapsedTime(float* ms, CUevent start, CUevent end) { MOCKGPU_TRACE_CALL(); return elapsed("cuEventElapsedTime", ms, start, end); }
CUDA_API CUresult cuEventElapsedTime_v2(float* ms, CUevent start, CUevent end) { MOCKGPU_TRACE_CALL(); return elapsed("cuEventElapsedTime_v2", ms, start, end); }

// Destroys a live event, graph or executable graph: a handle not in `live` is refused, as a destroyed one must be.
template <typename Object> static CUresult destroy(std::set<Object*> Registry::*live, Object* handle, const char* call, const char* what)
{
    if (CUresult r = ready()) return r;
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    if (!(r.*live).erase(handle)) return refuse(CUDA_ERROR_INVALID_HANDLE, call, std::string("not a live ") + what);
    delete handle;
    return CUDA_SUCCESS;
}

// Work queued by the event's record keeps only the shared time slot, so the event can go at once.
CUDA_API CUresult cuEventDestroy_v2(CUevent event) { MOCKGPU_TRACE_CALL(); return destroy(&Registry::events, event, "cuEventDestroy_v2", "event"); }

// --------------------------------------------------------------------------- capture and graphs

CUDA_API CUresult cuStreamBeginCapture_v2(CUstream stream, int mode)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (mode < 0 || mode > capture_mode_relaxed) return refuse(CUDA_ERROR_INVALID_VALUE, "cuStreamBeginCapture_v2", "unknown capture mode " + std::to_string(mode));
    auto h = reinterpret_cast<uintptr_t>(stream);
    if (h == 0 || h == legacy_handle) return refuse(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuStreamBeginCapture_v2", "the legacy default stream cannot be captured");
    MockStream* s = resolve(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamBeginCapture_v2", "not a live stream");
    std::lock_guard<std::mutex> lock(s->gate);
    if (s->capture) return refuse(CUDA_ERROR_ILLEGAL_STATE, "cuStreamBeginCapture_v2", "the stream is already being captured");
    // Not in the registry until cuStreamEndCapture hands it out, so that no cuGraphDestroy frees it mid-capture.
    s->capture = new MockGraph;
    s->capture_invalidated = false;
    s->capture_mode = mode;
    s->capture_thread = std::this_thread::get_id();
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuStreamEndCapture(CUstream stream, CUgraph* graph)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (graph == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, "cuStreamEndCapture", "phGraph is null");
    MockStream* s = resolve(stream);
    if (s == nullptr) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuStreamEndCapture", "not a live stream");
    auto& r = registry();
    std::lock_guard<std::mutex> rlock(r.gate); // the registry before a stream, as everywhere
    std::lock_guard<std::mutex> lock(s->gate);
    if (!s->capture) return refuse(CUDA_ERROR_ILLEGAL_STATE, "cuStreamEndCapture", "the stream is not being captured");
    if (s->capture_mode != capture_mode_relaxed && s->capture_thread != std::this_thread::get_id())
        return refuse(CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "cuStreamEndCapture", "the capture began on another thread");
    MockGraph* g = s->capture;
    s->capture = nullptr;
    if (s->capture_invalidated)
    {
        delete g;
        *graph = nullptr;
        return refuse(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "cuStreamEndCapture", "a refused call during the capture invalidated it");
    }
    r.graphs.insert(g);
    *graph = g;
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuGraphInstantiateWithFlags(CUgraphExec* exec, CUgraph graph, unsigned long long flags)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (exec == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, "cuGraphInstantiateWithFlags", "phGraphExec is null");
    if (flags != 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuGraphInstantiateWithFlags", "the mock models flags = 0 only");
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    if (!r.graphs.count(graph)) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuGraphInstantiateWithFlags", "not a live graph");
    auto* e = new MockGraphExec{graph->operations}; // a snapshot: later changes to the graph do not affect it
    r.execs.insert(e);
    *exec = e;
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuGraphLaunch(CUgraphExec exec, CUstream stream)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    std::vector<Operation> operations;
    {
        auto& r = registry();
        std::lock_guard<std::mutex> lock(r.gate);
        if (!r.execs.count(exec)) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuGraphLaunch", "not a live executable graph");
        operations = exec->operations;
    }
    for (auto& op : operations)
        if (CUresult r = submit(stream, op)) return r;
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuGraphExecDestroy(CUgraphExec exec) { MOCKGPU_TRACE_CALL(); return destroy(&Registry::execs, exec, "cuGraphExecDestroy", "executable graph"); }
CUDA_API CUresult cuGraphDestroy(CUgraph graph) { MOCKGPU_TRACE_CALL(); return destroy(&Registry::graphs, graph, "cuGraphDestroy", "graph"); }
