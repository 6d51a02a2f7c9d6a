namespace DafL.Backends.Cuda.Kernels;

/// <summary>
/// The name of every kernel the backend launches, one constant each, so that a typo is caught by a test
/// (<c>KernelSourceTests</c> checks these against the embedded sources) instead of on a GPU.
/// Signatures and launch rules: cuda/README.md.
/// </summary>
internal static class Kernel
{
    // elementwise.cu
    public const string Fill = "fill_f32";
    public const string LeakyReluForward = "leaky_relu_forward_f32";
    public const string LeakyReluBackward = "leaky_relu_backward_f32";
    public const string TanhForward = "tanh_forward_f32";
    public const string TanhBackward = "tanh_backward_f32";
    public const string AbsForward = "abs_forward_f32";
    public const string ExpForward = "exp_forward_f32";
    public const string LogForward = "log_forward_f32";
    public const string Log10Forward = "log10_forward_f32";
    public const string AbsBackward = "abs_backward_f32";
    public const string ExpBackward = "exp_backward_f32";
    public const string LogBackward = "log_backward_f32";
    public const string Log10Backward = "log10_backward_f32";
    public const string Affine = "affine_f32";
    public const string Add = "add_f32";
    public const string Sub = "sub_f32";
    public const string Mul = "mul_f32";
    public const string AddInPlace = "add_in_place_f32";
    public const string AddBroadcast = "add_broadcast_f32";
    public const string SubBroadcast = "sub_broadcast_f32";
    public const string MulBroadcast = "mul_broadcast_f32";
    public const string Expand = "expand_f32";
    public const string CopyStrided = "copy_strided_f32";

    // reduce.cu
    public const string SumChunks = "sum_chunks_f32";
    public const string SumFinish = "sum_finish_f64";
    public const string SumRows = "sum_rows_f32";
    public const string SumColumns = "sum_columns_f32";
    public const string SumReduceKeepReduceChunks = "sum_reduce_keep_reduce_chunks_f32";
    public const string SumPartialRows = "sum_partial_rows_f64";
    public const string SumGeneric = "sum_generic_f32";
    public const string Argmax = "argmax_f32";

    // softmax.cu
    public const string SoftmaxRows = "softmax_rows_f32";
    public const string SoftmaxRowsBackward = "softmax_rows_backward_f32";
    public const string SoftmaxColumns = "softmax_columns_f32";
    public const string SoftmaxColumnsBackward = "softmax_columns_backward_f32";
    public const string CrossEntropyRows = "cross_entropy_rows_f32";
    public const string CrossEntropyBackward = "cross_entropy_backward_f32";
    public const string KlDivChunks = "kl_div_chunks_f32";
    public const string KlDivBackward = "kl_div_backward_f32";
    public const string KdLossRows = "kd_loss_rows_f32";
    public const string KdLossBackward = "kd_loss_backward_f32";

    // dafl.cu
    public const string InformationEntropyChunks = "information_entropy_chunks_f32";
    public const string InformationEntropyFinish = "information_entropy_finish_f32";
    public const string InformationEntropyBackward = "information_entropy_backward_f32";
    public const string AbsSumChunks = "abs_sum_chunks_f32";
    public const string AbsSumBackward = "abs_sum_backward_f32";

    // pool.cu
    public const string MaxPoolForward = "max_pool2d_forward_f32";
    public const string MaxPoolBackward = "max_pool2d_backward_f32";
    public const string AvgPoolForward = "avg_pool2d_forward_f32";
    public const string AvgPoolBackward = "avg_pool2d_backward_f32";
    public const string UpsampleNearestForward = "upsample_nearest_forward_f32";
    public const string UpsampleNearestBackward = "upsample_nearest_backward_f32";

    // optim.cu
    public const string SgdStep = "sgd_step_f32";
    public const string AdamStep = "adam_step_f32";

    // random.cu
    public const string PhiloxUniform = "philox_uniform_f32";
    public const string PhiloxNormal = "philox_normal_f32";

    // norm.cu
    public const string BatchNormInvStd = "batch_norm_inv_std_f32";
    public const string BatchNormVarFromInvStd = "batch_norm_var_from_inv_std_f32";
}
