namespace DafL.NN;

/// <summary><c>nn.Sequential</c>: children named "0", "1", … applied in order.</summary>
public sealed class Sequential : Layer
{
    readonly List<Layer> _layers = new();

    public Sequential(params Layer[] layers)
    {
        foreach (var layer in layers) Add(layer);
    }

    public Sequential Add(Layer layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    public int Count => _layers.Count;
    public Layer this[int index] => _layers[index];

    /// <summary>
    /// Runs every layer; intermediate outputs belong to the enclosing scope (they are the graph). A BatchNorm2d
    /// followed by a LeakyReLU with slope ≥ 0 runs as one fused op (<see cref="BatchNorm2d.ForwardLeakyRelu"/>):
    /// same results and state, both layers keep their keys.
    /// </summary>
    public override Tensor Forward(Tensor x)
    {
        var y = x;
        for (int i = 0; i < _layers.Count; i++)
        {
            if (_layers[i] is BatchNorm2d bn && i + 1 < _layers.Count && _layers[i + 1] is LeakyReLU { NegativeSlope: >= 0 } leaky)
            {
                y = bn.ForwardLeakyRelu(y, leaky.NegativeSlope);
                i++;
                continue;
            }
            y = _layers[i].Forward(y);
        }
        return ReferenceEquals(y, x) ? x.Reshape(x.Shape) : y; // an empty Sequential is the identity (a new handle)
    }
}
