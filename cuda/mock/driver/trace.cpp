// trace.cpp: DAFL_MOCK_TRACE, the record of which binding functions and kernels a run called (see ../mock.h), and
// the call counts a test reads (mockgpu_count_calls, mockgpu_call_count) to see that a setting reached a library.
// Each traced name is appended once per process, as it is first called, so a run that crashes still leaves what it
// used.
#include "driver.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>

namespace
{
std::atomic<bool> counting{false};
// Leaked: calls may come while static destructors run.
std::mutex* const gate = new std::mutex;
std::map<std::string, long long>* const counts = new std::map<std::string, long long>;
} // namespace

namespace mockgpu
{
MOCKGPU_API void note_call(const char* function)
{
    static const char* const path = std::getenv("DAFL_MOCK_TRACE");
    bool tracing = path != nullptr && *path != 0;
    if (!tracing && !counting.load(std::memory_order_relaxed)) return; // the common case costs one load
    static std::set<std::string>* seen = new std::set<std::string>;
    std::lock_guard<std::mutex> lock(*gate);
    if (counting.load(std::memory_order_relaxed)) ++(*counts)[function];
    if (!tracing || !seen->insert(function).second) return;
    if (FILE* f = std::fopen(path, "a"))
    {
        std::fprintf(f, "%s\n", function);
        std::fclose(f);
    }
}
} // namespace mockgpu

// Starts (1: from zero) or stops (0) counting the calls of every export of the three libraries.
CUDA_API void mockgpu_count_calls(int on)
{
    std::lock_guard<std::mutex> lock(*gate);
    if (on) counts->clear();
    counting.store(on != 0, std::memory_order_relaxed);
}

// How many times `function` was called since counting started.
CUDA_API long long mockgpu_call_count(const char* function)
{
    std::lock_guard<std::mutex> lock(*gate);
    auto found = counts->find(function);
    return found == counts->end() ? 0 : found->second;
}
