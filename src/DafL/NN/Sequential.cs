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

    /// <summary>Runs every layer; intermediate outputs belong to the enclosing scope (they are the graph).</summary>
    public override Tensor Forward(Tensor x)
    {
        var y = x;
        foreach (var layer in _layers) y = layer.Forward(y);
        return ReferenceEquals(y, x) ? x.Reshape(x.Shape) : y; // an empty Sequential is the identity (a new handle)
    }
}
