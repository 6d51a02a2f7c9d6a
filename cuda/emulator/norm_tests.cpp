// norm_tests.cpp: the kernels of cuda/norm.cu in the emulator against reference loops that follow the C# CPU backend
// (see kernel_tests.cpp for the scheme).
#include "test_support.h"

namespace norm
{
#include "../norm.cu"
}

void norm_tests()
{
    using namespace norm;
    const long long channels = 300;
    const float eps = 1e-5f;
    // variances from tiny (comparable to eps) to large, and an exact zero
    Floats var = random_floats((size_t)channels, 81, 0.0f, 4.0f);
    for (size_t c = 0; c < var.size(); c += 7) var[c] = std::ldexp(var[c], -(int)(c % 30));
    var[0] = 0.0f;
    Floats inv_want(var.size());
    for (size_t c = 0; c < var.size(); c++) inv_want[c] = (float)(1.0 / std::sqrt((double)var[c] + (double)eps)); // CpuBackend.InvStd
    for (auto [grid, block] : launch_shapes)
    {
        std::string at = " grid " + std::to_string(grid) + " block " + std::to_string(block);
        Floats inv(var.size(), -1.0f), back(var.size(), -1.0f);
        launch(grid, block, batch_norm_inv_std_f32, var.data(), inv.data(), channels, eps);
        expect_exact(inv, inv_want, "batch_norm_inv_std_f32" + at);
        launch(grid, block, batch_norm_var_from_inv_std_f32, inv.data(), back.data(), channels, eps);
        Floats back_want(var.size());
        for (size_t c = 0; c < var.size(); c++)
        {
            double s = inv[c], v = 1.0 / (s * s) - (double)eps;
            back_want[c] = (float)(v > 0.0 ? v : 0.0);
        }
        expect_exact(back, back_want, "batch_norm_var_from_inv_std_f32" + at);
        // the round trip: within float rounding of (var + eps), never negative
        std::vector<double> trip(var.begin(), var.end());
        for (size_t c = 0; c < var.size(); c++)
            expect(back[c] >= 0.0f && std::fabs(back[c] - trip[c]) <= 4e-7 * (trip[c] + eps), "batch_norm round trip channel " + std::to_string(c) + at);
    }
}
