// modules.cpp: modules, functions and launches. The image NVRTC made (a cubin, or PTX) is read for what it
// declares: its architecture, its kernels, each kernel's __launch_bounds__ and parameter sizes
// (../cubin/cubin.h). The kernels themselves run in the emulator (kernels.cpp), so a module can only provide
// kernels the mock was built with, and each must have the parameter sizes the compiled kernel has.
//
// cuLaunchKernel checks what the driver checks ("cuLaunchKernel", CUDA driver API; Programming Guide, "Compute
// capabilities", table of technical specifications for 9.0):
//   block dimensions ≥ 1, x and y ≤ 1024, z ≤ 64, x·y·z ≤ 1024 → else CUDA_ERROR_INVALID_VALUE;
//   x·y·z ≤ the kernel's __launch_bounds__ → else CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES ("too many resources
//   requested for launch", what a launch above a kernel's maximum threads per block gets);
//   grid x ≤ 2³¹ − 1, y and z ≤ 65,535, all ≥ 1 → else CUDA_ERROR_INVALID_VALUE;
//   dynamic shared memory ≤ 48 KiB (no kernel here opts in to more) → else CUDA_ERROR_INVALID_VALUE;
//   kernelParams given, `extra` null (the bindings never use it).
// And what a GPU would only show as a fault later: every pointer parameter must be null or point into a live
// allocation (one past the end included), so an argument in the wrong place or of the wrong width is refused
// at the launch that made it, with the kernel, the parameter and where the address lies.
#include "driver.h"
#include "../cubin/cubin.h"

#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>

struct MockModule
{
    mockgpu::cubin::Image image;
    std::map<std::string, std::unique_ptr<MockFunction>> functions; // handed out by cuModuleGetFunction
};

struct MockFunction
{
    MockModule* module;
    const mockgpu::KernelEntry* kernel;
    unsigned max_threads; // 0: no __launch_bounds__
};

namespace
{
using namespace mockgpu;

std::mutex gate;
std::set<MockModule*> modules;
std::set<MockFunction*> functions;
std::atomic<unsigned long long> launches{0};
} // namespace

CUDA_API CUresult cuModuleLoadData(CUmodule* module, const void* image)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (module == nullptr || image == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, "cuModuleLoadData", "module or image is null");
    auto m = std::make_unique<MockModule>();
    std::string error;
    if (!cubin::read(image, m->image, error)) return refuse(CUDA_ERROR_INVALID_IMAGE, "cuModuleLoadData", error);
    // A cubin runs on its own major architecture at an equal or higher minor (Programming Guide, "Binary
    // compatibility"); sm_80 code does not run on sm_90.
    int major = m->image.sm / 10, minor = m->image.sm % 10;
    if (major != compute_major || minor > compute_minor)
        return refuse(CUDA_ERROR_NO_BINARY_FOR_GPU, "cuModuleLoadData",
                      "the image is for sm_" + std::to_string(m->image.sm) + ", the device is sm_" + std::to_string(compute_major * 10 + compute_minor));
    std::lock_guard<std::mutex> lock(gate);
    *module = m.get();
    modules.insert(m.release());
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuModuleUnload(CUmodule module)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    std::lock_guard<std::mutex> lock(gate);
    if (!modules.erase(module)) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuModuleUnload", "not a loaded module");
    for (auto& [name, f] : module->functions) functions.erase(f.get());
    delete module;
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    if (function == nullptr || name == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, "cuModuleGetFunction", "hfunc or name is null");
    std::lock_guard<std::mutex> lock(gate);
    if (!modules.count(module)) return refuse(CUDA_ERROR_INVALID_HANDLE, "cuModuleGetFunction", "not a loaded module");
    if (auto it = module->functions.find(name); it != module->functions.end())
    {
        *function = it->second.get();
        return CUDA_SUCCESS;
    }
    const cubin::Kernel* declared = nullptr;
    for (const auto& k : module->image.kernels)
        if (k.name == name) declared = &k;
    if (declared == nullptr) return refuse(CUDA_ERROR_NOT_FOUND, "cuModuleGetFunction", std::string("the module has no kernel named ") + name);
    const KernelEntry* kernel = find_kernel(name);
    if (kernel == nullptr)
        return refuse(CUDA_ERROR_NOT_FOUND, "cuModuleGetFunction",
                      std::string("the mock was built without kernel ") + name + ": rebuild it (dotnet pwsh build.ps1 mockgpu)");
    if (!declared->param_sizes.empty() && declared->param_sizes.size() != kernel->param_sizes.size())
        return refuse(CUDA_ERROR_NOT_FOUND, "cuModuleGetFunction",
                      std::string(name) + " has " + std::to_string(declared->param_sizes.size()) + " parameters in the image but " +
                          std::to_string(kernel->param_sizes.size()) + " in the mock: rebuild it (dotnet pwsh build.ps1 mockgpu)");
    for (size_t i = 0; i < declared->param_sizes.size(); i++)
        if (declared->param_sizes[i] != kernel->param_sizes[i])
            return refuse(CUDA_ERROR_NOT_FOUND, "cuModuleGetFunction",
                          std::string(name) + " parameter " + std::to_string(i) + " is " + std::to_string(declared->param_sizes[i]) +
                              " bytes in the image but " + std::to_string(kernel->param_sizes[i]) + " in the mock");
    auto f = std::make_unique<MockFunction>(MockFunction{module, kernel, declared->max_threads});
    *function = f.get();
    functions.insert(f.get());
    module->functions.emplace(name, std::move(f));
    return CUDA_SUCCESS;
}

CUDA_API CUresult cuLaunchKernel(CUfunction function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                                 unsigned shared_bytes, CUstream stream, void** params, void** extra)
{
    MOCKGPU_TRACE_CALL();
    if (CUresult r = ready()) return r;
    const char* call = "cuLaunchKernel";
    const KernelEntry* kernel;
    unsigned max_threads;
    {
        std::lock_guard<std::mutex> lock(gate);
        if (!functions.count(function)) return refuse(CUDA_ERROR_INVALID_HANDLE, call, "not a function of a loaded module");
        kernel = function->kernel;
        max_threads = function->max_threads;
    }
    std::string name = kernel->name;
    unsigned long long threads = (unsigned long long)bx * by * bz;
    if (bx == 0 || by == 0 || bz == 0 || bx > 1024 || by > 1024 || bz > 64 || threads > 1024)
        return refuse(CUDA_ERROR_INVALID_VALUE, call, name + ": block (" + std::to_string(bx) + ", " + std::to_string(by) + ", " + std::to_string(bz) +
                                                          ") is outside x, y ≤ 1024, z ≤ 64, x·y·z ≤ 1024");
    if (max_threads != 0 && threads > max_threads)
        return refuse(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, call,
                      name + ": " + std::to_string(threads) + " threads a block, above its __launch_bounds__ of " + std::to_string(max_threads));
    if (gx == 0 || gy == 0 || gz == 0 || gx > 2147483647u || gy > 65535 || gz > 65535)
        return refuse(CUDA_ERROR_INVALID_VALUE, call, name + ": grid (" + std::to_string(gx) + ", " + std::to_string(gy) + ", " + std::to_string(gz) +
                                                          ") is outside x ≤ 2³¹ − 1, y, z ≤ 65535, all ≥ 1");
    if (shared_bytes > 49152) return refuse(CUDA_ERROR_INVALID_VALUE, call, name + ": " + std::to_string(shared_bytes) + " bytes of dynamic shared memory, above 48 KiB");
    if (extra != nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, call, name + ": `extra` is not modelled by the mock");
    size_t count = kernel->param_sizes.size();
    if (count > 0 && params == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, call, name + ": kernelParams is null");
    for (size_t i = 0; i < count; i++)
    {
        if (params[i] == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, call, name + ": kernelParams[" + std::to_string(i) + "] is null");
        if (!kernel->param_is_pointer[i]) continue;
        unsigned long long address;
        std::memcpy(&address, params[i], sizeof address);
        std::string why;
        if (address != 0 && !check_range(address, 0, &why))
            return refuse(CUDA_ERROR_INVALID_VALUE, call, name + ": pointer parameter " + std::to_string(i) + " = " + hex(address) + ": " + why);
    }
    if (inject_now("launch")) return refuse(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, call, name + ": launch failure injected (DAFL_MOCK_FAIL_LAUNCH)");
    // The arguments are copied now ("kernel parameters ... are copied ... at launch": the caller's array may go).
    std::vector<std::vector<char>> values(count);
    for (size_t i = 0; i < count; i++)
        values[i].assign(static_cast<char*>(params[i]), static_cast<char*>(params[i]) + kernel->param_sizes[i]);
    note_call(("kernel " + name).c_str());
    unsigned long long n = ++launches;
    return submit(stream, {name, [=]() mutable {
                               std::vector<void*> pointers(count);
                               for (size_t i = 0; i < count; i++) pointers[i] = values[i].data();
                               unsigned grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
                               // Alternate which warp runs ahead, so a missing barrier cannot hide behind one order.
                               emulator_order(n % 2 == 0);
                               kernel->run(pointers.data(), grid, block);
                           }});
}
