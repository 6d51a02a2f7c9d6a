namespace DafL.Native;

/// <summary>
/// Convolutions: forward y = x ⋆ w, backward data dx from dy and w, backward filter dw from x and dy (each a
/// <see cref="ConvolutionProblem"/>), and the bias gradient db = Σ dy over N, H, W. For any direction: the heuristic
/// ranking (<c>Get…_v7</c>, no device work), the measured search (<c>Find…Ex</c>, runs every algorithm on the given
/// buffers, which it overwrites), the workspace an algorithm needs, and the call. Rankings come best first; pick once
/// per shape and cache it. Algorithms are the numbers of the direction's enum (<see cref="ConvolutionForwardAlgorithm"/>,
/// <see cref="ConvolutionBackwardDataAlgorithm"/>, <see cref="ConvolutionBackwardFilterAlgorithm"/>).
/// </summary>
public sealed unsafe partial class CudnnHandle
{
    /// <summary>One ranking call, heuristic or measured: room for <c>requested</c> results, the count written.</summary>
    delegate int RankingCall(int requested, int* returned, ConvolutionAlgorithmPerformance* results);

    /// <summary>cuDNN's heuristic ranking of the problem's algorithms.</summary>
    public ConvolutionAlgorithmPerformance[] GetAlgorithms(ConvolutionProblem problem)
    {
        var f = problem.EntryPoints(Cudnn.Api);
        return Ranked(f.AlgorithmCount, f.GetAlgorithmsName, (n, returned, r) => f.GetAlgorithms(Handle,
            problem.First.Handle, problem.Second.Handle, problem.Convolution.Handle, problem.Result.Handle, n, returned, r));
    }

    /// <summary>Times every algorithm of the problem on real buffers (the result buffer is overwritten).</summary>
    public ConvolutionAlgorithmPerformance[] FindAlgorithms(ConvolutionProblem problem, ConvolutionBuffers data,
        DevicePointer workspace, long workspaceBytes)
    {
        var f = problem.EntryPoints(Cudnn.Api);
        return Ranked(f.AlgorithmCount, f.FindAlgorithmsName, (n, returned, r) => f.FindAlgorithms(Handle,
            problem.First.Handle, data.First.Native, problem.Second.Handle, data.Second.Native, problem.Convolution.Handle,
            problem.Result.Handle, data.Result.Native, n, returned, r, workspace.Native, (nuint)workspaceBytes));
    }

    /// <summary>Workspace bytes <paramref name="algorithm"/> needs for the problem.</summary>
    public long GetWorkspaceSize(ConvolutionProblem problem, int algorithm)
    {
        Enter();
        var f = problem.EntryPoints(Cudnn.Api);
        nuint bytes;
        CudnnStatus.Check(f.GetWorkspaceSize(Handle, problem.First.Handle, problem.Second.Handle, problem.Convolution.Handle,
            problem.Result.Handle, algorithm, &bytes), f.GetWorkspaceSizeName);
        return (long)bytes;
    }

    /// <summary>result = α·(the problem's computation on the operands) + β·result.</summary>
    public void Convolve(ConvolutionProblem problem, float alpha, ConvolutionBuffers data, int algorithm,
        DevicePointer workspace, long workspaceBytes, float beta)
    {
        Enter();
        var f = problem.EntryPoints(Cudnn.Api);
        CudnnStatus.Check(f.Convolve(Handle, &alpha, problem.First.Handle, data.First.Native, problem.Second.Handle, data.Second.Native,
            problem.Convolution.Handle, algorithm, workspace.Native, (nuint)workspaceBytes, &beta, problem.Result.Handle, data.Result.Native),
            f.ConvolveName);
    }

    /// <summary>db = α·Σ_{N,H,W} dy + β·db, with db described as (1, C, 1, 1).</summary>
    public void ConvolutionBackwardBias(float alpha, CudnnTensorDescriptor dy, DevicePointer dyData,
        float beta, CudnnTensorDescriptor db, DevicePointer dbData)
    {
        Enter();
        CudnnStatus.Check(Cudnn.Api.cudnnConvolutionBackwardBias(Handle, &alpha, dy.Handle, dyData.Native, &beta, db.Handle, dbData.Native));
    }

    /// <summary>The results of a ranking call, best first.</summary>
    ConvolutionAlgorithmPerformance[] Ranked(int algorithmCount, string name, RankingCall call)
    {
        Enter();
        var results = new ConvolutionAlgorithmPerformance[algorithmCount];
        int returned;
        fixed (ConvolutionAlgorithmPerformance* r = results)
            CudnnStatus.Check(call(results.Length, &returned, r), name);
        return results[..returned];
    }
}
