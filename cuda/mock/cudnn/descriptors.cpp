// descriptors.cpp: tensor, filter, convolution and pooling descriptors (host objects, no device or stream), and
// the checks the operations make on them.
//
// The setters refuse what the API reference lists as CUDNN_STATUS_BAD_PARAM for them (a null or invalid descriptor,
// negative or zero sizes, a zero or negative stride or dilation, negative padding, an invalid enumerant). They keep
// every valid layout and data type; the operations then refuse what the mock does not compute (anything but float
// NCHW) with CUDNN_STATUS_NOT_SUPPORTED, the status cuDNN gives a configuration it has no kernel for.
#include "cudnn_mock.h"

#include <climits>

namespace cudnn_mock
{
namespace
{
// Live and set: what an operation needs of its descriptors.
template <class T>
int require_set(const char* function, const char* name, const T* object, Kind kind, const char* setter)
{
    if (int status = require_live(function, name, object, kind)) return status;
    if (!object->set) return fail(CUDNN_STATUS_BAD_PARAM, function, text("%s was created but never set with %s", name, setter));
    return CUDNN_STATUS_SUCCESS;
}

template <class T>
int create(const char* function, T** descriptor, Kind kind)
{
    if (descriptor == nullptr) return fail(CUDNN_STATUS_BAD_PARAM, function, "the output pointer is NULL");
    T* object = new T;
    track(object, kind);
    *descriptor = object;
    return CUDNN_STATUS_SUCCESS;
}

// Destroying NULL does nothing; destroying a descriptor twice, or a foreign pointer, is refused by name.
template <class T>
int destroy(const char* function, T* descriptor, Kind kind)
{
    if (descriptor == nullptr) return CUDNN_STATUS_SUCCESS;
    if (int status = require_live(function, "the descriptor", descriptor, kind)) return status;
    untrack(descriptor);
    delete descriptor;
    return CUDNN_STATUS_SUCCESS;
}

bool valid_data_type(int type)
{
    return type >= CUDNN_DATA_FLOAT && type <= CUDNN_DATA_FAST_FLOAT_FOR_FP8;
}

bool valid_format(int format)
{
    return format >= CUDNN_TENSOR_NCHW && format <= CUDNN_TENSOR_NCHW_VECT_C;
}

// The BAD_PARAM checks that cudnnSetTensor4dDescriptor and cudnnSetFilter4dDescriptor share; `dims` names the four
// sizes as the setter calls them ("n, c, h, w" or "k, c, h, w").
int check_4d(const char* function, int format, int dataType, const char* dims, int a, int b, int c, int d)
{
    if (!valid_format(format)) return fail(CUDNN_STATUS_BAD_PARAM, function, text("format %d is not a cudnnTensorFormat_t", format));
    if (!valid_data_type(dataType)) return fail(CUDNN_STATUS_BAD_PARAM, function, text("dataType %d is not a cudnnDataType_t", dataType));
    if (a <= 0 || b <= 0 || c <= 0 || d <= 0)
        return fail(CUDNN_STATUS_BAD_PARAM, function, text("(%s) = (%d, %d, %d, %d) must all be positive", dims, a, b, c, d));
    return CUDNN_STATUS_SUCCESS;
}
} // namespace

int require_tensor(const char* function, const char* name, const cudnnTensorStruct* tensor)
{
    return require_set(function, name, tensor, Kind::tensor, "cudnnSetTensor4dDescriptor");
}

int require_filter(const char* function, const char* name, const cudnnFilterStruct* filter)
{
    return require_set(function, name, filter, Kind::filter, "cudnnSetFilter4dDescriptor");
}

int require_convolution(const char* function, const char* name, const cudnnConvolutionStruct* convolution)
{
    return require_set(function, name, convolution, Kind::convolution, "cudnnSetConvolution2dDescriptor");
}

int require_pooling(const char* function, const char* name, const cudnnPoolingStruct* pooling)
{
    return require_set(function, name, pooling, Kind::pooling, "cudnnSetPooling2dDescriptor");
}

int require_float_nchw(const char* function, const char* name, const cudnnTensorStruct& tensor)
{
    if (tensor.data_type != CUDNN_DATA_FLOAT)
        return fail(CUDNN_STATUS_NOT_SUPPORTED, function,
                    text("%s has cudnnDataType_t %d; the mock computes CUDNN_DATA_FLOAT (0) only", name, tensor.data_type));
    if (tensor.format != CUDNN_TENSOR_NCHW)
        return fail(CUDNN_STATUS_NOT_SUPPORTED, function,
                    text("%s has cudnnTensorFormat_t %d; the mock computes CUDNN_TENSOR_NCHW (0) only", name, tensor.format));
    return CUDNN_STATUS_SUCCESS;
}

int require_same_dims(const char* function, const char* name_a, const cudnnTensorStruct& a, const char* name_b,
                      const cudnnTensorStruct& b)
{
    if (a.n == b.n && a.c == b.c && a.h == b.h && a.w == b.w) return CUDNN_STATUS_SUCCESS;
    return fail(CUDNN_STATUS_BAD_PARAM, function,
                text("%s is %s but %s is %s; they must have the same dimensions", name_a, dims(a).c_str(), name_b,
                     dims(b).c_str()));
}

int require_pointers(const char* function, std::initializer_list<Named> pointers)
{
    for (const Named& p : pointers)
        if (p.pointer == nullptr) return fail(CUDNN_STATUS_BAD_PARAM, function, text("%s is NULL", p.name));
    return CUDNN_STATUS_SUCCESS;
}

std::string dims(const cudnnTensorStruct& tensor)
{
    return text("(%d, %d, %d, %d)", tensor.n, tensor.c, tensor.h, tensor.w);
}

size_t element_count(const cudnnTensorStruct& tensor)
{
    return (size_t)tensor.n * tensor.c * tensor.h * tensor.w;
}
} // namespace cudnn_mock

using namespace cudnn_mock;

// ---------------------------------------------------------------- tensors

CUDNN_MOCK_API cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t* tensorDesc)
{
    MOCKGPU_TRACE_CALL();
    return create("cudnnCreateTensorDescriptor", tensorDesc, Kind::tensor);
}

// BAD_PARAM: a negative size (zero too: cuDNN has no empty tensors), an invalid format or data type enumerant;
// NOT_SUPPORTED: more than 2 Giga-elements (API reference, cudnnSetTensor4dDescriptor). Packed NCHW or NHWC strides.
CUDNN_MOCK_API cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t tensorDesc, int format, int dataType,
                                                        int n, int c, int h, int w)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnSetTensor4dDescriptor";
    if (int status = require_live(function, "tensorDesc", tensorDesc, Kind::tensor)) return status;
    if (int status = check_4d(function, format, dataType, "n, c, h, w", n, c, h, w)) return status;
    if ((long long)n * c * h * w > INT_MAX)
        return fail(CUDNN_STATUS_NOT_SUPPORTED, function,
                    text("(%d, %d, %d, %d) has more than 2^31 - 1 elements", n, c, h, w));
    *tensorDesc = {true, format, dataType, n, c, h, w};
    return CUDNN_STATUS_SUCCESS;
}

CUDNN_MOCK_API cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t tensorDesc)
{
    MOCKGPU_TRACE_CALL();
    return destroy("cudnnDestroyTensorDescriptor", tensorDesc, Kind::tensor);
}

// ---------------------------------------------------------------- filters

CUDNN_MOCK_API cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t* filterDesc)
{
    MOCKGPU_TRACE_CALL();
    return create("cudnnCreateFilterDescriptor", filterDesc, Kind::filter);
}

// Note the order: data type before format, the opposite of cudnnSetTensor4dDescriptor (cudnn_ops.h). BAD_PARAM:
// a negative (or zero) k, c, h, w, or an invalid enumerant (API reference, cudnnSetFilter4dDescriptor).
CUDNN_MOCK_API cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t filterDesc, int dataType, int format,
                                                        int k, int c, int h, int w)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnSetFilter4dDescriptor";
    if (int status = require_live(function, "filterDesc", filterDesc, Kind::filter)) return status;
    if (int status = check_4d(function, format, dataType, "k, c, h, w", k, c, h, w)) return status;
    *filterDesc = {true, dataType, format, k, c, h, w};
    return CUDNN_STATUS_SUCCESS;
}

CUDNN_MOCK_API cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t filterDesc)
{
    MOCKGPU_TRACE_CALL();
    return destroy("cudnnDestroyFilterDescriptor", filterDesc, Kind::filter);
}

// ---------------------------------------------------------------- convolutions

CUDNN_MOCK_API cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t* convDesc)
{
    MOCKGPU_TRACE_CALL();
    return create("cudnnCreateConvolutionDescriptor", convDesc, Kind::convolution);
}

// BAD_PARAM: negative padding, a stride or dilation ≤ 0, an invalid mode (API reference,
// cudnnSetConvolution2dDescriptor). The compute type is kept as given; the operations refuse any but
// CUDNN_DATA_FLOAT for float data, the only float configuration cuDNN lists (TRUE_FLOAT_CONFIG). The math type
// and group count set separately are kept.
CUDNN_MOCK_API cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t convDesc, int pad_h, int pad_w,
                                                             int u, int v, int dilation_h, int dilation_w, int mode,
                                                             int computeType)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnSetConvolution2dDescriptor";
    if (int status = require_live(function, "convDesc", convDesc, Kind::convolution)) return status;
    if (pad_h < 0 || pad_w < 0) return fail(CUDNN_STATUS_BAD_PARAM, function, text("padding (%d, %d) must be >= 0", pad_h, pad_w));
    if (u <= 0 || v <= 0) return fail(CUDNN_STATUS_BAD_PARAM, function, text("stride (u, v) = (%d, %d) must be > 0", u, v));
    if (dilation_h <= 0 || dilation_w <= 0)
        return fail(CUDNN_STATUS_BAD_PARAM, function, text("dilation (%d, %d) must be > 0", dilation_h, dilation_w));
    if (mode != CUDNN_CONVOLUTION && mode != CUDNN_CROSS_CORRELATION)
        return fail(CUDNN_STATUS_BAD_PARAM, function, text("mode %d is not a cudnnConvolutionMode_t", mode));
    convDesc->set = true;
    convDesc->pad_h = pad_h;
    convDesc->pad_w = pad_w;
    convDesc->stride_h = u;
    convDesc->stride_w = v;
    convDesc->dilation_h = dilation_h;
    convDesc->dilation_w = dilation_w;
    convDesc->mode = mode;
    convDesc->compute_type = computeType;
    return CUDNN_STATUS_SUCCESS;
}

// BAD_PARAM for a value outside cudnnMathType_t (API reference, cudnnSetConvolutionMathType).
CUDNN_MOCK_API cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t convDesc, int mathType)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnSetConvolutionMathType";
    if (int status = require_live(function, "convDesc", convDesc, Kind::convolution)) return status;
    if (mathType < CUDNN_DEFAULT_MATH || mathType > CUDNN_FMA_MATH)
        return fail(CUDNN_STATUS_BAD_PARAM, function, text("mathType %d is not a cudnnMathType_t", mathType));
    convDesc->math_type = mathType;
    return CUDNN_STATUS_SUCCESS;
}

// The operations check that the channels divide by the group count; here only that it is positive.
CUDNN_MOCK_API cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t convDesc, int groupCount)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnSetConvolutionGroupCount";
    if (int status = require_live(function, "convDesc", convDesc, Kind::convolution)) return status;
    if (groupCount <= 0) return fail(CUDNN_STATUS_BAD_PARAM, function, text("groupCount %d must be > 0", groupCount));
    convDesc->groups = groupCount;
    return CUDNN_STATUS_SUCCESS;
}

CUDNN_MOCK_API cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t convDesc)
{
    MOCKGPU_TRACE_CALL();
    return destroy("cudnnDestroyConvolutionDescriptor", convDesc, Kind::convolution);
}

// ---------------------------------------------------------------- pooling

CUDNN_MOCK_API cudnnStatus_t cudnnCreatePoolingDescriptor(cudnnPoolingDescriptor_t* poolingDesc)
{
    MOCKGPU_TRACE_CALL();
    return create("cudnnCreatePoolingDescriptor", poolingDesc, Kind::pooling);
}

// BAD_PARAM: a window or stride ≤ 0, negative padding, an invalid mode or NaN option (API reference,
// cudnnSetPooling2dDescriptor).
CUDNN_MOCK_API cudnnStatus_t cudnnSetPooling2dDescriptor(cudnnPoolingDescriptor_t poolingDesc, int mode,
                                                         int maxpoolingNanOpt, int windowHeight, int windowWidth,
                                                         int verticalPadding, int horizontalPadding,
                                                         int verticalStride, int horizontalStride)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnSetPooling2dDescriptor";
    if (int status = require_live(function, "poolingDesc", poolingDesc, Kind::pooling)) return status;
    if (mode < 0 || mode > 3) return fail(CUDNN_STATUS_BAD_PARAM, function, text("mode %d is not a cudnnPoolingMode_t", mode));
    if (maxpoolingNanOpt != 0 && maxpoolingNanOpt != 1)
        return fail(CUDNN_STATUS_BAD_PARAM, function, text("maxpoolingNanOpt %d is not a cudnnNanPropagation_t", maxpoolingNanOpt));
    if (windowHeight <= 0 || windowWidth <= 0)
        return fail(CUDNN_STATUS_BAD_PARAM, function, text("window (%d, %d) must be > 0", windowHeight, windowWidth));
    if (verticalStride <= 0 || horizontalStride <= 0)
        return fail(CUDNN_STATUS_BAD_PARAM, function, text("stride (%d, %d) must be > 0", verticalStride, horizontalStride));
    if (verticalPadding < 0 || horizontalPadding < 0)
        return fail(CUDNN_STATUS_BAD_PARAM, function, text("padding (%d, %d) must be >= 0", verticalPadding, horizontalPadding));
    *poolingDesc = {true, mode, maxpoolingNanOpt, windowHeight, windowWidth, verticalPadding, horizontalPadding,
                    verticalStride, horizontalStride};
    return CUDNN_STATUS_SUCCESS;
}

CUDNN_MOCK_API cudnnStatus_t cudnnDestroyPoolingDescriptor(cudnnPoolingDescriptor_t poolingDesc)
{
    MOCKGPU_TRACE_CALL();
    return destroy("cudnnDestroyPoolingDescriptor", poolingDesc, Kind::pooling);
}
