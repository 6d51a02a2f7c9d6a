// objects.cpp: the live handles and descriptors. cuDNN's handles are opaque pointers; keeping the set of live ones
// lets every call refuse a destroyed or foreign one with BAD_PARAM and its name, where a real cuDNN would read freed
// memory and fail somewhere else, or not at all.
#include "cudnn_mock.h"

#include <mutex>
#include <unordered_map>

namespace cudnn_mock
{
namespace
{
struct Registry
{
    std::mutex gate;
    std::unordered_map<const void*, Kind> objects;
};

// Leaked on purpose: a descriptor destroyed from a static destructor at exit still finds it.
Registry& registry()
{
    static Registry* r = new Registry;
    return *r;
}

bool live(const void* object, Kind kind)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    auto found = r.objects.find(object);
    return found != r.objects.end() && found->second == kind;
}

const char* kind_name(Kind kind)
{
    switch (kind)
    {
    case Kind::handle: return "cuDNN handle";
    case Kind::tensor: return "tensor descriptor";
    case Kind::filter: return "filter descriptor";
    case Kind::convolution: return "convolution descriptor";
    case Kind::pooling: return "pooling descriptor";
    }
    return "object";
}
} // namespace

void track(const void* object, Kind kind)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    r.objects[object] = kind;
}

void untrack(const void* object)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.gate);
    r.objects.erase(object);
}

int require_live(const char* function, const char* name, const void* object, Kind kind)
{
    if (object == nullptr) return fail(CUDNN_STATUS_BAD_PARAM, function, text("%s is NULL", name));
    if (!live(object, kind))
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("%s (%p) is not a live %s (destroyed, or not made by cuDNN)", name, object, kind_name(kind)));
    return CUDNN_STATUS_SUCCESS;
}
} // namespace cudnn_mock
