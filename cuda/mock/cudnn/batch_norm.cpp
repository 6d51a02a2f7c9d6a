// batch_norm.cpp: cudnnDeriveBNTensorDescriptor and batch normalisation in spatial mode (BatchNorm2d: one mean and
// Over 300 lines on purpose: the three batch-norm calls check one shared argument contract (the helpers at the top)
// and compute one statistic; apart, the contract would be repeated or exposed.
// variance per channel over N·H·W), forward training, forward inference and backward.
//
// What the API reference (cudnn_ops library, cudnnBatchNormalizationForwardTraining / …Backward) and cudnn_ops.h
// (9.6) fix, and the mock follows:
// - epsilon must be >= CUDNN_BN_MIN_EPSILON, which cudnn_ops.h defines as 0.0 (older cuDNN headers had 1e-5);
//   below it is BAD_PARAM.
// - resultRunningMean / resultRunningVariance may both be NULL (no running update), and resultSaveMean /
//   resultSaveInvVariance may both be NULL (nothing saved), "but only at the same time": exactly one NULL of a
//   pair is BAD_PARAM. The same holds for the backward's savedMean / savedInvVariance; when both are NULL the
//   backward recomputes the batch statistics from x.
// - running = (1 − factor)·running + factor·batch statistic (cudnn_ops.h: "runningMean = newMean*factor +
//   runningMean*(1-factor)", the variance likewise).
// - resultSaveInvVariance is 1/√(σ² + ε) with σ² the biased batch variance, the denominator the forward used.
// - One thing the reference does not spell out: the running variance is fed the unbiased batch variance
//   (σ²·m/(m − 1), m = N·H·W). PyTorch passes its running_var to cuDNN unchanged and documents running_var as
//   unbiased, and the C# CPU backend does the same (CpuBackend.Norm.cs); a GPU run is what confirms it.
// - Per-activation mode (statistics per C·H·W element) is refused with NOT_SUPPORTED: the mock computes spatial
//   mode only (CUDNN_BATCHNORM_SPATIAL, and SPATIAL_PERSISTENT, the same arithmetic with faster kernels).
#include "cudnn_mock.h"

#include <cmath>

namespace cudnn_mock
{
namespace
{
constexpr double bn_min_epsilon = 0.0; // CUDNN_BN_MIN_EPSILON, cudnn_ops.h (9.6)

enum : int
{
    CUDNN_BATCHNORM_PER_ACTIVATION = 0,
    CUDNN_BATCHNORM_SPATIAL = 1,
    CUDNN_BATCHNORM_SPATIAL_PERSISTENT = 2,
};

// x (n, c, h, w), NCHW float, and its per-channel tensors (1, c, 1, 1).
struct Shape
{
    int n, c;
    size_t plane;
    size_t elements() const { return (size_t)n * c * plane; }
    double count() const { return (double)n * (double)plane; } // m, the values behind one channel's statistics
    const float* channel_plane(const float* data, int image, int channel) const
    {
        return data + ((size_t)image * c + channel) * plane;
    }
};

int require_mode(const char* function, int mode)
{
    if (mode == CUDNN_BATCHNORM_SPATIAL || mode == CUDNN_BATCHNORM_SPATIAL_PERSISTENT) return CUDNN_STATUS_SUCCESS;
    if (mode == CUDNN_BATCHNORM_PER_ACTIVATION)
        return fail(CUDNN_STATUS_NOT_SUPPORTED, function,
                    "mode CUDNN_BATCHNORM_PER_ACTIVATION: the mock computes spatial mode only");
    return fail(CUDNN_STATUS_BAD_PARAM, function, text("mode %d is not a cudnnBatchNormMode_t", mode));
}

// The data tensors (x and the ones that must match it, float NCHW) and the (1, C, 1, 1) float parameter tensor.
int require_tensors(const char* function, const cudnnTensorStruct* x, const char* const names[], const cudnnTensorStruct* const others[],
                    int other_count, const char* parameter_name, const cudnnTensorStruct* parameters, Shape* shape)
{
    if (int status = require_tensor(function, names[0], x)) return status;
    if (int status = require_float_nchw(function, names[0], *x)) return status;
    for (int i = 0; i < other_count; ++i)
    {
        if (int status = require_tensor(function, names[i + 1], others[i])) return status;
        if (int status = require_float_nchw(function, names[i + 1], *others[i])) return status;
        if (int status = require_same_dims(function, names[0], *x, names[i + 1], *others[i])) return status;
    }
    if (int status = require_tensor(function, parameter_name, parameters)) return status;
    // BAD_PARAM: parameter dims other than 1xCx1x1 in spatial mode, or data types that do not match (float data
    // takes float parameters, cudnnDeriveBNTensorDescriptor).
    if (parameters->n != 1 || parameters->c != x->c || parameters->h != 1 || parameters->w != 1)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("%s is %s; spatial mode with %s %s needs (1, %d, 1, 1)", parameter_name, dims(*parameters).c_str(),
                         names[0], dims(*x).c_str(), x->c));
    if (parameters->data_type != CUDNN_DATA_FLOAT)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("%s has data type %d; float data needs CUDNN_DATA_FLOAT (0) parameters", parameter_name,
                         parameters->data_type));
    *shape = {x->n, x->c, (size_t)x->h * x->w};
    return CUDNN_STATUS_SUCCESS;
}

int require_epsilon(const char* function, double epsilon)
{
    if (epsilon >= bn_min_epsilon) return CUDNN_STATUS_SUCCESS;
    return fail(CUDNN_STATUS_BAD_PARAM, function,
                text("epsilon %g is less than CUDNN_BN_MIN_EPSILON (%g)", epsilon, bn_min_epsilon));
}

// Both NULL or neither.
int require_pair(const char* function, const char* name_a, const void* a, const char* name_b, const void* b)
{
    if ((a == nullptr) == (b == nullptr)) return CUDNN_STATUS_SUCCESS;
    return fail(CUDNN_STATUS_BAD_PARAM, function,
                text("%s is %s but %s is %s; both may be NULL, but only at the same time", name_a,
                     a ? "set" : "NULL", name_b, b ? "set" : "NULL"));
}

// A float operand of `elements`: required, or (`optional`) allowed to be NULL.
int require_floats(const char* function, const char* name, const void* p, size_t elements, bool optional = false)
{
    if (p == nullptr && optional) return CUDNN_STATUS_SUCCESS;
    return require_device_data(function, name, p, elements * sizeof(float));
}

// A channel's batch mean and biased variance, two passes in double.
struct Moments
{
    double mean, variance;
};

Moments moments(const Shape& s, const float* x, int channel)
{
    double sum = 0;
    for (int image = 0; image < s.n; ++image)
    {
        const float* p = s.channel_plane(x, image, channel);
        for (size_t i = 0; i < s.plane; ++i) sum += p[i];
    }
    const double mean = sum / s.count();
    double squares = 0;
    for (int image = 0; image < s.n; ++image)
    {
        const float* p = s.channel_plane(x, image, channel);
        for (size_t i = 0; i < s.plane; ++i) squares += (p[i] - mean) * (p[i] - mean);
    }
    return {mean, squares / s.count()};
}

// out = blend(alpha, scale·x + shift, beta, out) over one channel.
void affine_channel(const Shape& s, const float* x, float* out, int channel, double scale, double shift, double alpha,
                    double beta)
{
    for (int image = 0; image < s.n; ++image)
    {
        const float* in = s.channel_plane(x, image, channel);
        float* o = out + (in - x);
        for (size_t i = 0; i < s.plane; ++i) o[i] = blend(alpha, scale * in[i] + shift, beta, o[i]);
    }
}
// What both forward calls check, in their order: the handle, the mode, alpha and beta, x and y against the
// statistics' descriptor (which gives the shape s), ε, and that x, y, scale and bias lie in device memory.
int require_forward(const char* function, cudnnHandle_t handle, int mode, const float* alpha, const float* beta,
                    cudnnTensorDescriptor_t xDesc, const void* x, cudnnTensorDescriptor_t yDesc, const void* y,
                    cudnnTensorDescriptor_t bnDesc, const void* bnScale, const void* bnBias, double epsilon, Shape* s)
{
    if (int status = require_handle(function, handle)) return status;
    if (int status = require_mode(function, mode)) return status;
    if (int status = require_pointers(function, {{"alpha", alpha}, {"beta", beta}})) return status;
    const char* const names[] = {"xDesc", "yDesc"};
    const cudnnTensorStruct* const others[] = {yDesc};
    if (int status = require_tensors(function, xDesc, names, others, 1, "bnScaleBiasMeanVarDesc", bnDesc, s)) return status;
    if (int status = require_epsilon(function, epsilon)) return status;
    if (int status = require_floats(function, "x", x, s->elements())) return status;
    if (int status = require_floats(function, "y", y, s->elements())) return status;
    if (int status = require_floats(function, "bnScale", bnScale, s->c)) return status;
    return require_floats(function, "bnBias", bnBias, s->c);
}
} // namespace
} // namespace cudnn_mock

using namespace cudnn_mock;

// The (1, C, 1, 1) descriptor of the scale, bias, mean and variance for x in spatial modes, (1, C, H, W) in
// per-activation mode; float unless x is double (cudnn_ops.h, cudnnBatchNormalizationForwardTraining's comment).
// BAD_PARAM for an invalid mode (API reference, cudnnDeriveBNTensorDescriptor).
CUDNN_MOCK_API cudnnStatus_t cudnnDeriveBNTensorDescriptor(cudnnTensorDescriptor_t derivedBnDesc, cudnnTensorDescriptor_t xDesc,
                                                           int mode)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnDeriveBNTensorDescriptor";
    if (int status = require_live(function, "derivedBnDesc", derivedBnDesc, Kind::tensor)) return status;
    if (int status = require_tensor(function, "xDesc", xDesc)) return status;
    if (mode < CUDNN_BATCHNORM_PER_ACTIVATION || mode > CUDNN_BATCHNORM_SPATIAL_PERSISTENT)
        return fail(CUDNN_STATUS_BAD_PARAM, function, text("mode %d is not a cudnnBatchNormMode_t", mode));
    const bool spatial = mode != CUDNN_BATCHNORM_PER_ACTIVATION;
    *derivedBnDesc = {true, CUDNN_TENSOR_NCHW, xDesc->data_type == CUDNN_DATA_DOUBLE ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT,
                      1, xDesc->c, spatial ? 1 : xDesc->h, spatial ? 1 : xDesc->w};
    return CUDNN_STATUS_SUCCESS;
}

// y = alpha·(scale·(x − μ)/√(σ² + ε) + bias) + beta·y with the batch's μ and biased σ²; see the file comment for
// the running and saved statistics.
CUDNN_MOCK_API cudnnStatus_t cudnnBatchNormalizationForwardTraining(
    cudnnHandle_t handle, int mode, const float* alpha, const float* beta, cudnnTensorDescriptor_t xDesc, const void* x,
    cudnnTensorDescriptor_t yDesc, void* y, cudnnTensorDescriptor_t bnScaleBiasMeanVarDesc, const void* bnScale,
    const void* bnBias, double exponentialAverageFactor, void* resultRunningMean, void* resultRunningVariance,
    double epsilon, void* resultSaveMean, void* resultSaveInvVariance)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnBatchNormalizationForwardTraining";
    Shape s{};
    if (int status = require_forward(function, handle, mode, alpha, beta, xDesc, x, yDesc, y, bnScaleBiasMeanVarDesc, bnScale, bnBias, epsilon, &s))
        return status;
    if (int status = require_pair(function, "resultRunningMean", resultRunningMean, "resultRunningVariance", resultRunningVariance))
        return status;
    if (int status = require_pair(function, "resultSaveMean", resultSaveMean, "resultSaveInvVariance", resultSaveInvVariance))
        return status;
    if (int status = require_floats(function, "resultRunningMean", resultRunningMean, s.c, true)) return status;
    if (int status = require_floats(function, "resultRunningVariance", resultRunningVariance, s.c, true)) return status;
    if (int status = require_floats(function, "resultSaveMean", resultSaveMean, s.c, true)) return status;
    if (int status = require_floats(function, "resultSaveInvVariance", resultSaveInvVariance, s.c, true)) return status;

    const double a = *alpha, b = *beta, factor = exponentialAverageFactor, eps = epsilon;
    auto in = static_cast<const float*>(x);
    auto out = static_cast<float*>(y);
    auto scale = static_cast<const float*>(bnScale), bias = static_cast<const float*>(bnBias);
    auto running_mean = static_cast<float*>(resultRunningMean), running_var = static_cast<float*>(resultRunningVariance);
    auto save_mean = static_cast<float*>(resultSaveMean), save_inv_std = static_cast<float*>(resultSaveInvVariance);
    return submit(function, handle, [=] {
        for (int c = 0; c < s.c; ++c)
        {
            // The statistics come first, so y may be x (in place).
            const Moments m = moments(s, in, c);
            const double inv_std = 1.0 / std::sqrt(m.variance + eps);
            const double k = scale[c] * inv_std;
            affine_channel(s, in, out, c, k, bias[c] - m.mean * k, a, b);
            if (running_mean != nullptr)
            {
                const double unbiased = m.variance * s.count() / (s.count() - 1); // m = 1: 0/0, NaN, as the CPU's
                running_mean[c] = (float)((1 - factor) * running_mean[c] + factor * m.mean);
                running_var[c] = (float)((1 - factor) * running_var[c] + factor * unbiased);
            }
            if (save_mean != nullptr)
            {
                save_mean[c] = (float)m.mean;
                save_inv_std[c] = (float)inv_std;
            }
        }
    });
}

// y = alpha·(scale·(x − mean)/√(variance + ε) + bias) + beta·y with the given statistics (cudnn_ops.h's formula
// for cudnnBatchNormalizationForwardInference).
CUDNN_MOCK_API cudnnStatus_t cudnnBatchNormalizationForwardInference(
    cudnnHandle_t handle, int mode, const float* alpha, const float* beta, cudnnTensorDescriptor_t xDesc, const void* x,
    cudnnTensorDescriptor_t yDesc, void* y, cudnnTensorDescriptor_t bnScaleBiasMeanVarDesc, const void* bnScale,
    const void* bnBias, const void* estimatedMean, const void* estimatedVariance, double epsilon)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnBatchNormalizationForwardInference";
    Shape s{};
    if (int status = require_forward(function, handle, mode, alpha, beta, xDesc, x, yDesc, y, bnScaleBiasMeanVarDesc, bnScale, bnBias, epsilon, &s))
        return status;
    if (int status = require_floats(function, "estimatedMean", estimatedMean, s.c)) return status;
    if (int status = require_floats(function, "estimatedVariance", estimatedVariance, s.c)) return status;

    const double a = *alpha, b = *beta, eps = epsilon;
    auto in = static_cast<const float*>(x);
    auto out = static_cast<float*>(y);
    auto scale = static_cast<const float*>(bnScale), bias = static_cast<const float*>(bnBias);
    auto mean = static_cast<const float*>(estimatedMean), variance = static_cast<const float*>(estimatedVariance);
    return submit(function, handle, [=] {
        for (int c = 0; c < s.c; ++c)
        {
            const double k = scale[c] / std::sqrt((double)variance[c] + eps);
            affine_channel(s, in, out, c, k, bias[c] - mean[c] * k, a, b);
        }
    });
}

// With x̂ = (x − μ)·inv_std and m = N·H·W per channel: dBias = Σ dy, dScale = Σ dy·x̂,
// dx = scale·inv_std·(dy − dBias/m − x̂·dScale/m); dx is blended by alphaDataDiff / betaDataDiff, dScale and dBias
// by alphaParamDiff / betaParamDiff. μ and inv_std are savedMean / savedInvVariance when given, else the batch's.
CUDNN_MOCK_API cudnnStatus_t cudnnBatchNormalizationBackward(
    cudnnHandle_t handle, int mode, const float* alphaDataDiff, const float* betaDataDiff, const float* alphaParamDiff,
    const float* betaParamDiff, cudnnTensorDescriptor_t xDesc, const void* x, cudnnTensorDescriptor_t dyDesc, const void* dy,
    cudnnTensorDescriptor_t dxDesc, void* dx, cudnnTensorDescriptor_t dBnScaleBiasDesc, const void* bnScale,
    void* dBnScaleResult, void* dBnBiasResult, double epsilon, const void* savedMean, const void* savedInvVariance)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnBatchNormalizationBackward";
    if (int status = require_handle(function, handle)) return status;
    if (int status = require_mode(function, mode)) return status;
    if (int status = require_pointers(function, {{"alphaDataDiff", alphaDataDiff}, {"betaDataDiff", betaDataDiff},
                                                  {"alphaParamDiff", alphaParamDiff}, {"betaParamDiff", betaParamDiff}}))
        return status;
    const char* const names[] = {"xDesc", "dyDesc", "dxDesc"};
    const cudnnTensorStruct* const others[] = {dyDesc, dxDesc};
    Shape s{};
    if (int status = require_tensors(function, xDesc, names, others, 2, "dBnScaleBiasDesc", dBnScaleBiasDesc, &s)) return status;
    if (int status = require_epsilon(function, epsilon)) return status;
    if (int status = require_pair(function, "savedMean", savedMean, "savedInvVariance", savedInvVariance)) return status;
    if (int status = require_floats(function, "x", x, s.elements())) return status;
    if (int status = require_floats(function, "dy", dy, s.elements())) return status;
    if (int status = require_floats(function, "dx", dx, s.elements())) return status;
    if (int status = require_floats(function, "bnScale", bnScale, s.c)) return status;
    if (int status = require_floats(function, "dBnScaleResult", dBnScaleResult, s.c)) return status;
    if (int status = require_floats(function, "dBnBiasResult", dBnBiasResult, s.c)) return status;
    if (int status = require_floats(function, "savedMean", savedMean, s.c, true)) return status;
    if (int status = require_floats(function, "savedInvVariance", savedInvVariance, s.c, true)) return status;

    const double alpha_data = *alphaDataDiff, beta_data = *betaDataDiff;
    const double alpha_param = *alphaParamDiff, beta_param = *betaParamDiff, eps = epsilon;
    auto in = static_cast<const float*>(x), gradient = static_cast<const float*>(dy);
    auto out = static_cast<float*>(dx);
    auto scale = static_cast<const float*>(bnScale);
    auto d_scale = static_cast<float*>(dBnScaleResult), d_bias = static_cast<float*>(dBnBiasResult);
    auto saved_mean = static_cast<const float*>(savedMean), saved_inv_std = static_cast<const float*>(savedInvVariance);
    return submit(function, handle, [=] {
        for (int c = 0; c < s.c; ++c)
        {
            double mean, inv_std;
            if (saved_mean != nullptr)
            {
                mean = saved_mean[c];
                inv_std = saved_inv_std[c];
            }
            else
            {
                const Moments m = moments(s, in, c);
                mean = m.mean;
                inv_std = 1.0 / std::sqrt(m.variance + eps);
            }
            double sum_dy = 0, sum_dy_xhat = 0;
            for (int image = 0; image < s.n; ++image)
            {
                const float* xp = s.channel_plane(in, image, c);
                const float* gp = s.channel_plane(gradient, image, c);
                for (size_t i = 0; i < s.plane; ++i)
                {
                    sum_dy += gp[i];
                    sum_dy_xhat += gp[i] * ((xp[i] - mean) * inv_std);
                }
            }
            const double k = scale[c] * inv_std, mean_dy = sum_dy / s.count(), mean_dy_xhat = sum_dy_xhat / s.count();
            for (int image = 0; image < s.n; ++image)
            {
                const float* xp = s.channel_plane(in, image, c);
                const float* gp = s.channel_plane(gradient, image, c);
                float* o = out + (xp - in);
                for (size_t i = 0; i < s.plane; ++i)
                    o[i] = blend(alpha_data, k * (gp[i] - mean_dy - (xp[i] - mean) * inv_std * mean_dy_xhat), beta_data, o[i]);
            }
            d_scale[c] = blend(alpha_param, sum_dy_xhat, beta_param, d_scale[c]);
            d_bias[c] = blend(alpha_param, sum_dy, beta_param, d_bias[c]);
        }
    });
}
