// memory.cpp: device memory. A CUdeviceptr is a host address, so kernels in the emulator and the mock cuBLAS /
// cuDNN read and write it directly; what makes it a checker is the layout around each block:
//
//   [guard page][head canary | block | tail canary][guard page]      (the block starts 256-byte aligned)
//
// - cuMemAlloc does not clear memory (CUDA driver API, cuMemAlloc: "The memory is not cleared"), so a new block is
//   filled with a NaN pattern (0x7FC0DEAD): a result read before anything wrote it shows up as NaN.
// - Guard pages (PROT_NONE) catch an access a page or more outside the block as SIGSEGV, which streams.cpp turns
//   into the sticky CUDA_ERROR_ILLEGAL_ADDRESS naming the operation; the canary bytes between the block and the
//   guard pages catch a smaller overrun (a write) when the operation ends.
// - cuMemFree poisons the block (0x7FC0F4EE) and protects the whole mapping, which stays reserved in a quarantine
//   of up to DAFL_MOCK_QUARANTINE_BYTES (default 256 MiB) before it goes back to the system: a use after free
//   faults instead of reading stale data, and an address is not handed out again while it is quarantined.
// - The total is capped at the device's memory (DAFL_MOCK_MEMORY_BYTES): past it cuMemAlloc fails with
//   CUDA_ERROR_OUT_OF_MEMORY, as does the N-th allocation under DAFL_MOCK_FAIL_ALLOC=N (fault injection).
#include "driver.h"

#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

namespace mockgpu
{
namespace
{
constexpr size_t alignment = 256;       // cuMemAlloc: "The allocated memory is suitably aligned for any kind of variable"; 256 in practice
constexpr size_t canary_span = 256;     // bytes checked on each side of a block
constexpr unsigned char canary = 0xCB;
constexpr uint32_t fresh_pattern = 0x7FC0DEADu;
constexpr uint32_t freed_pattern = 0x7FC0F4EEu;

struct Block
{
    char* mapping;
    size_t mapping_bytes;
    CUdeviceptr address;
    size_t bytes;    // as requested
    size_t padded;   // rounded up to the alignment: [address + bytes, address + padded) is tail canary
};

std::mutex gate;
std::map<CUdeviceptr, Block> live;      // by start address
std::map<CUdeviceptr, Block> freed;     // quarantined, by start address (for messages)
std::deque<CUdeviceptr> quarantine;     // oldest first
size_t live_bytes = 0, quarantined_bytes = 0;

size_t page() { return (size_t)sysconf(_SC_PAGESIZE); }
size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

void fill(void* at, size_t bytes, uint32_t pattern)
{
    auto* words = static_cast<uint32_t*>(at);
    for (size_t i = 0; i < bytes / 4; i++) words[i] = pattern;
    std::memset(static_cast<char*>(at) + bytes / 4 * 4, 0xFF, bytes % 4);
}

char* head(const Block& b) { return reinterpret_cast<char*>(b.address) - canary_span; }
char* tail(const Block& b) { return reinterpret_cast<char*>(b.address) + b.bytes; }
size_t tail_bytes(const Block& b) { return b.padded - b.bytes; }

bool intact(const char* at, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++)
        if ((unsigned char)at[i] != canary) return false;
    return true;
}

std::string describe(const Block& b) { return "the " + std::to_string(b.bytes) + "-byte block at " + hex(b.address); }

// The block whose mapping (guards included) holds `a`, from `blocks`; null when none.
const Block* around(const std::map<CUdeviceptr, Block>& blocks, CUdeviceptr a)
{
    auto it = blocks.upper_bound(a + page() + canary_span);
    if (it == blocks.begin()) return nullptr;
    --it;
    auto lo = reinterpret_cast<CUdeviceptr>(it->second.mapping);
    return a >= lo && a < lo + it->second.mapping_bytes ? &it->second : nullptr;
}

void drop_oldest_quarantined()
{
    auto it = freed.find(quarantine.front());
    quarantine.pop_front();
    quarantined_bytes -= it->second.mapping_bytes;
    munmap(it->second.mapping, it->second.mapping_bytes);
    freed.erase(it);
}
} // namespace

CUresult allocate(CUdeviceptr* address, size_t bytes)
{
    if (address == nullptr) return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemAlloc_v2", "dptr is null");
    // cuMemAlloc: "If bytesize is 0, cuMemAlloc() returns CUDA_ERROR_INVALID_VALUE".
    if (bytes == 0) return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemAlloc_v2", "bytesize is 0");
    std::lock_guard<std::mutex> lock(gate);
    if (inject_now("alloc"))
        return refuse(CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc_v2", "out of memory injected (DAFL_MOCK_FAIL_ALLOC) for " + std::to_string(bytes) + " bytes");
    if (bytes > memory_limit() || live_bytes + bytes > memory_limit())
        return refuse(CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc_v2", std::to_string(bytes) + " bytes asked for with " + std::to_string(live_bytes) +
                                                                     " of the device's " + std::to_string(memory_limit()) + " in use (DAFL_MOCK_MEMORY_BYTES)");
    size_t padded = round_up(bytes, alignment);
    size_t body = round_up(canary_span + padded, page());
    size_t mapping_bytes = body + 2 * page();
    void* m = mmap(nullptr, mapping_bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return CUDA_ERROR_OUT_OF_MEMORY;
    char* mapping = static_cast<char*>(m);
    if (mprotect(mapping + page(), body, PROT_READ | PROT_WRITE) != 0)
    {
        munmap(m, mapping_bytes);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    // The block ends where the padding ends, right before the upper guard page.
    Block b{mapping, mapping_bytes, reinterpret_cast<CUdeviceptr>(mapping + page() + body - padded), bytes, padded};
    std::memset(head(b), canary, canary_span);
    fill(reinterpret_cast<void*>(b.address), bytes, fresh_pattern);
    std::memset(tail(b), canary, tail_bytes(b));
    live.emplace(b.address, b);
    live_bytes += bytes;
    *address = b.address;
    return CUDA_SUCCESS;
}

CUresult release(CUdeviceptr address)
{
    std::lock_guard<std::mutex> lock(gate);
    auto it = live.find(address);
    if (it == live.end())
    {
        bool twice = freed.count(address) != 0;
        return refuse(CUDA_ERROR_INVALID_VALUE, "cuMemFree_v2", hex(address) + (twice ? " was already freed" : " is not the start of an allocation"));
    }
    Block b = it->second;
    live.erase(it);
    live_bytes -= b.bytes;
    if (!intact(head(b), canary_span) || !intact(tail(b), tail_bytes(b)))
        fault(CUDA_ERROR_ILLEGAL_ADDRESS, "cuMemFree_v2: something wrote just outside " + describe(b) + " while it was live");
    fill(reinterpret_cast<void*>(b.address), b.bytes, freed_pattern);
    mprotect(b.mapping, b.mapping_bytes, PROT_NONE);
    freed.emplace(b.address, b);
    quarantine.push_back(b.address);
    quarantined_bytes += b.mapping_bytes;
    size_t cap = (size_t)env_integer("DAFL_MOCK_QUARANTINE_BYTES", 256ll << 20);
    while (quarantined_bytes > cap && !quarantine.empty()) drop_oldest_quarantined();
    return CUDA_SUCCESS;
}

size_t bytes_in_use()
{
    std::lock_guard<std::mutex> lock(gate);
    return live_bytes;
}

void release_all()
{
    std::vector<CUdeviceptr> all;
    {
        std::lock_guard<std::mutex> lock(gate);
        for (auto& [a, b] : live) all.push_back(a);
    }
    for (auto a : all) release(a);
}

void check_canaries(const char* what)
{
    std::lock_guard<std::mutex> lock(gate);
    for (auto& [a, b] : live)
        if (!intact(head(b), canary_span) || !intact(tail(b), tail_bytes(b)))
        {
            std::string side = intact(head(b), canary_span) ? "after the end of " : "before the start of ";
            // Repair, so that the one fault is reported once.
            std::memset(head(b), canary, canary_span);
            std::memset(tail(b), canary, tail_bytes(b));
            fault(CUDA_ERROR_ILLEGAL_ADDRESS, std::string(what) + " wrote " + side + describe(b));
        }
}

std::string locate(CUdeviceptr address)
{
    std::lock_guard<std::mutex> lock(gate);
    if (const Block* b = around(live, address))
    {
        if (address < b->address) return std::to_string(b->address - address) + " bytes before the start of " + describe(*b);
        return std::to_string(address - b->address - b->bytes) + " bytes after the end of " + describe(*b);
    }
    if (const Block* b = around(freed, address)) return "inside " + describe(*b) + ", which was freed";
    return "outside every allocation";
}

bool check_range(DevicePtr address, size_t bytes, std::string* why)
{
    std::lock_guard<std::mutex> lock(gate);
    auto it = live.upper_bound(address);
    if (it != live.begin())
    {
        const Block& b = std::prev(it)->second;
        // One past the end is a valid address for an empty range, as for a C++ array.
        if (address >= b.address && address - b.address <= b.bytes && bytes <= b.bytes - (address - b.address)) return true;
        if (address >= b.address && address - b.address < b.bytes)
        {
            if (why) *why = hex(address) + " + " + std::to_string(bytes) + " bytes runs " +
                            std::to_string(address + bytes - b.address - b.bytes) + " bytes past the end of " + describe(b);
            return false;
        }
    }
    if (why)
    {
        if (const Block* f = around(freed, address)) *why = hex(address) + " is inside " + describe(*f) + ", which was freed";
        else *why = hex(address) + " is not in any allocation";
    }
    return false;
}
} // namespace mockgpu
