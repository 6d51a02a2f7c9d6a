// random_tests.cpp: the kernels of cuda/random.cu in the emulator against reference loops that follow the C# CPU backend
// (see kernel_tests.cpp for the scheme).
#include "test_support.h"

namespace random_cu
{
#include "../random.cu"
}

// Philox.cs, transcribed: Block with the full counter, Bits, ToUniform, ToNormal.
static std::array<uint32_t, 4> philox_reference(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1)
{
    uint32_t x0 = c0, x1 = c1, x2 = c2, x3 = c3;
    for (int round = 0; round < 10; round++)
    {
        uint64_t p0 = (uint64_t)0xD2511F53u * x0, p1 = (uint64_t)0xCD9E8D57u * x2;
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0, hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        uint32_t n0 = hi1 ^ x1 ^ k0, n1 = lo1, n2 = hi0 ^ x3 ^ k1, n3 = lo0;
        x0 = n0;
        x1 = n1;
        x2 = n2;
        x3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return {x0, x1, x2, x3};
}

static uint32_t bits_reference(uint64_t seed, uint64_t offset, long long i, uint32_t& pair)
{
    uint64_t counter = offset + (uint64_t)(i >> 2);
    auto w = philox_reference((uint32_t)counter, (uint32_t)(counter >> 32), 0, 0, (uint32_t)seed, (uint32_t)(seed >> 32));
    static const int partner[4] = {1, 0, 3, 2};
    pair = w[(size_t)partner[i & 3]];
    return w[(size_t)(i & 3)];
}

void random_tests()
{
    using namespace random_cu;
    // Random123 known answers (as in PhiloxTests.cs) for the reference, and the kernel's block on the first one
    {
        auto w = philox_reference(0, 0, 0, 0, 0, 0);
        expect(w == std::array<uint32_t, 4>{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}, "Philox reference: known answer 1");
        w = philox_reference(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu);
        expect(w == std::array<uint32_t, 4>{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}, "Philox reference: known answer 2");
        w = philox_reference(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u);
        expect(w == std::array<uint32_t, 4>{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}, "Philox reference: known answer 3");
        uint4 k = philox_block(0, 0);
        expect(k.x == 0x6627e8d5u && k.y == 0xe169c58du && k.z == 0xbc57ac4cu && k.w == 0x9b00dbd8u, "philox_block: known answer 1");
    }
    // seeds and offsets with both 32-bit halves in use; n not a multiple of 4
    for (auto [seed, offset] : std::vector<std::pair<uint64_t, uint64_t>>{{42, 0}, {0x123456789abcdefULL, 0xfffffffeULL}, {7, 1000}})
        for (long long n : {1LL, 6LL, 1001LL})
        {
            Floats want_u((size_t)n), want_n((size_t)n);
            for (long long i = 0; i < n; i++)
            {
                uint32_t pair, word = bits_reference(seed, offset, i, pair);
                want_u[(size_t)i] = (float)(word >> 8) * (1.0f / 16777216.0f);
                bool even = (i & 1) == 0;
                uint32_t w1 = even ? word : pair, w2 = even ? pair : word;
                double u1 = (w1 + 0.5) * (1.0 / 4294967296.0);
                double theta = 2.0 * M_PI * (w2 * (1.0 / 4294967296.0));
                double r = std::sqrt(-2.0 * std::log(u1));
                want_n[(size_t)i] = (float)(even ? r * std::cos(theta) : r * std::sin(theta));
            }
            for (auto [grid, threads] : launch_shapes)
            {
                std::string at = " seed " + std::to_string(seed) + " offset " + std::to_string(offset) + " n " + std::to_string(n) + " block " + std::to_string(threads);
                Floats y((size_t)n + 1, -7.0f), guard((size_t)n + 1, -7.0f);
                launch(grid, threads, philox_uniform_f32, y.data(), n, seed, offset);
                std::copy(want_u.begin(), want_u.end(), guard.begin());
                expect_exact(y, guard, "philox_uniform_f32" + at);
                std::fill(y.begin(), y.end(), -7.0f);
                launch(grid, threads, philox_normal_f32, y.data(), n, seed, offset);
                expect(y[(size_t)n] == -7.0f, "philox_normal_f32 wrote past n" + at);
                y.pop_back();
                expect_close(y, std::vector<double>(want_n.begin(), want_n.end()), 1e-7, "philox_normal_f32" + at);
            }
        }
}
