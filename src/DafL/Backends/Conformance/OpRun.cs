using DafL.Backends;

namespace DafL.Backends.Conformance;

/// <summary>
/// One side's run of one parity case: puts the case's inputs on the side's device through the backend under test,
/// hands out poisoned (NaN) outputs so that an element a kernel forgets to write shows as an error, and reads the
/// outputs back in the order the case names them. Owns every tensor it makes.
/// </summary>
public sealed class OpRun : IDisposable
{
    readonly ParitySide _side;
    readonly ParityData _data;
    readonly List<Tensor> _owned = [];
    readonly List<(string Name, float[] Values)> _outputs = [];

    public OpRun(ParitySide side, ulong seed)
    {
        _side = side;
        _data = new ParityData(seed);
    }

    /// <summary>The backend under test on this side.</summary>
    public IBackend B => _side.Backend;

    public Device Device => _side.Device;

    /// <summary>The outputs read so far, by name, in the order the case read them.</summary>
    public IReadOnlyList<(string Name, float[] Values)> Outputs => _outputs;

    /// <summary>A tensor holding <paramref name="values"/>, copied in by the backend under test.</summary>
    public Tensor FromHost(float[] values, params int[] shape)
    {
        var t = Own(Tensor.Empty(shape, _side.Device));
        B.CopyFromHost(values, t);
        return t;
    }

    public Tensor Normal(params int[] shape) => FromHost(_data.Normal(Tensor.NumelOf(shape)), shape);

    public Tensor Uniform(float low, float high, params int[] shape) => FromHost(_data.Uniform(Tensor.NumelOf(shape), low, high), shape);

    /// <summary>Class indices (rows) as floats.</summary>
    public Tensor Classes(int rows, int classes) => FromHost(_data.Classes(rows, classes), rows);

    /// <summary>Probability rows (rows, cols), every entry &gt; 0.</summary>
    public Tensor Distributions(int rows, int cols) => FromHost(_data.Distributions(rows, cols), rows, cols);

    /// <summary>The host values the next draw would give (for inputs a case builds itself).</summary>
    public ParityData Data => _data;

    /// <summary>An output tensor, filled with NaN so that an element the kernel does not write is caught.</summary>
    public Tensor Output(params int[] shape)
    {
        var values = new float[Tensor.NumelOf(shape)];
        Array.Fill(values, float.NaN);
        return FromHost(values, shape);
    }

    /// <summary>Takes ownership of a tensor the case made (a view, say), to dispose it with the run.</summary>
    public Tensor Own(Tensor t)
    {
        _owned.Add(t);
        return t;
    }

    /// <summary>Waits for the device and copies a contiguous tensor to the host as the output called <paramref name="name"/>.</summary>
    public void Read(string name, Tensor t) => Read(name, Values(t));

    /// <summary>Records values the case worked out on the host from what it read (see <see cref="Values"/>) as an output.</summary>
    public void Read(string name, float[] values) => _outputs.Add((name, values));

    /// <summary>Waits for the device and copies a contiguous tensor to the host, without recording it as an output.</summary>
    public float[] Values(Tensor t)
    {
        B.Synchronize();
        var values = new float[t.Numel];
        B.CopyToHost(t, values);
        return values;
    }

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}
