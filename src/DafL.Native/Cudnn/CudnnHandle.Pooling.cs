namespace DafL.Native;

/// <summary>2-d pooling, forward and backward.</summary>
public sealed unsafe partial class CudnnHandle
{
    /// <summary>y = α·pool(x) + β·y.</summary>
    public void PoolingForward(CudnnPoolingDescriptor pooling, float alpha, CudnnTensorDescriptor x, DevicePointer xData,
        float beta, CudnnTensorDescriptor y, DevicePointer yData)
    {
        Enter();
        CudnnStatus.Check(Cudnn.Api.cudnnPoolingForward(Handle, pooling.Handle, &alpha, x.Handle, xData.Native, &beta, y.Handle, yData.Native));
    }

    /// <summary>dx = α·∂pool/∂x applied to dy + β·dx; needs the forward's input x and output y (max pooling finds the argmax from them).</summary>
    public void PoolingBackward(CudnnPoolingDescriptor pooling, float alpha, CudnnTensorDescriptor y, DevicePointer yData,
        CudnnTensorDescriptor dy, DevicePointer dyData, CudnnTensorDescriptor x, DevicePointer xData,
        float beta, CudnnTensorDescriptor dx, DevicePointer dxData)
    {
        Enter();
        CudnnStatus.Check(Cudnn.Api.cudnnPoolingBackward(Handle, pooling.Handle, &alpha, y.Handle, yData.Native, dy.Handle, dyData.Native,
            x.Handle, xData.Native, &beta, dx.Handle, dxData.Native));
    }
}
