namespace DafL.NN;

/// <summary>A module with one input and one output, so that <see cref="Sequential"/> can chain it.</summary>
public abstract class Layer : Module
{
    /// <summary>Computes the output; it belongs to the enclosing <see cref="TensorScope"/> (it is part of the graph).</summary>
    public abstract Tensor Forward(Tensor x);
}
