// trace.cpp: DAFL_MOCK_TRACE, the record of which binding functions and kernels a run called (see ../mock.h).
// Each name is appended once per process, as it is first called, so a run that crashes still leaves what it used.
#include "driver.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

namespace mockgpu
{
MOCKGPU_API void note_call(const char* function)
{
    static const char* const path = std::getenv("DAFL_MOCK_TRACE");
    if (path == nullptr || *path == 0) return;
    static std::mutex* gate = new std::mutex; // leaked: calls may come while static destructors run
    static std::set<std::string>* seen = new std::set<std::string>;
    std::lock_guard<std::mutex> lock(*gate);
    if (!seen->insert(function).second) return;
    if (FILE* f = std::fopen(path, "a"))
    {
        std::fprintf(f, "%s\n", function);
        std::fclose(f);
    }
}
} // namespace mockgpu
