using System.Text;
using DafL.Autograd;
using DafL.Backends;
using DafL.Memory;

namespace DafL;

/// <summary>
/// A float32 n-dimensional array (NCHW for images) with define-by-run autograd.
/// Ownership rule: every op returns a new tensor that the caller owns and must dispose, directly or through the
/// enclosing <see cref="TensorScope"/>. Views (reshape, flatten, batch slices) share memory with their base through
/// a reference-counted <see cref="Storage"/>, so disposing either one never frees memory the other still uses.
/// </summary>
public sealed unsafe partial class Tensor : IDisposable
{
    static long _liveTensors;
    /// <summary>Tensors created and not yet disposed, all threads.</summary>
    public static long LiveTensors => Interlocked.Read(ref _liveTensors);

    Storage? _storage;
    internal TensorScope? Scope;

    public int[] Shape { get; }
    public int[] Strides { get; }
    public long Offset { get; }
    public long Numel { get; }
    public int Rank => Shape.Length;
    public Device Device => Storage.Device;
    internal IBackend Backend => Backends.Backend.For(Device);

    /// <summary>Gradient accumulated by <see cref="Backward"/> into a leaf; owned by this tensor.</summary>
    public Tensor? Grad { get; internal set; }
    /// <summary>The op that produced this tensor, when it is part of a graph that needs gradients.</summary>
    public Node? GradFn { get; internal set; }
    bool _requiresGrad;

    /// <summary>Whether gradients flow to this tensor. Only a leaf (no <see cref="GradFn"/>) may be set directly.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (GradFn != null && !value)
                throw new InvalidOperationException($"RequiresGrad cannot be cleared on a non-leaf tensor made by '{GradFn.Op}'; use Detach().");
            _requiresGrad = value;
        }
    }

    public bool IsLeaf => GradFn == null;
    public bool IsDisposed => _storage == null;

    /// <summary>The memory behind this tensor: a backend reads its own kind of storage from it (a GPU backend's device pointer).</summary>
    public Storage Storage => _storage ?? throw new ObjectDisposedException(nameof(Tensor), $"Tensor {ShapeString(Shape)} was used after it was disposed.");

    internal Tensor(Storage storage, int[] shape, int[] strides, long offset)
    {
        _storage = storage;
        Shape = shape;
        Strides = strides;
        Offset = offset;
        Numel = NumelOf(shape);
        Interlocked.Increment(ref _liveTensors);
        TensorScope.Register(this);
    }

    // ---------------------------------------------------------------- creation

    /// <summary>A new uninitialised contiguous tensor.</summary>
    public static Tensor Empty(int[] shape, Device device = default)
    {
        CheckShape(shape);
        long n = NumelOf(shape);
        return new Tensor(Backends.Backend.For(device).Allocate(n), (int[])shape.Clone(), ContiguousStrides(shape), 0);
    }

    public static Tensor Full(int[] shape, float value, Device device = default)
    {
        var t = Empty(shape, device);
        t.Backend.Fill(t, value);
        return t;
    }

    public static Tensor Zeros(int[] shape, Device device = default) => Full(shape, 0f, device);
    public static Tensor Ones(int[] shape, Device device = default) => Full(shape, 1f, device);
    public static Tensor Scalar(float value, Device device = default) => Full([], value, device);

    /// <summary>Copies <paramref name="data"/> (row-major) into a new tensor of the given shape.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> data, int[] shape, Device device = default)
    {
        CheckShape(shape);
        if (data.Length != NumelOf(shape))
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {ShapeString(shape)} ({NumelOf(shape)} elements).");
        var t = Empty(shape, device);
        t.Backend.CopyFromHost(data, t);
        return t;
    }

    public static Tensor FromArray(float[] data, params int[] shape) => FromArray(data.AsSpan(), shape);

    /// <summary>Uniform [0, 1) from the counter-based generator (same numbers on every backend).</summary>
    public static Tensor Rand(int[] shape, Random.Philox gen, Device device = default)
    {
        var t = Empty(shape, device);
        t.Backend.FillUniform(t, gen.Seed, gen.Advance(t.Numel));
        return t;
    }

    /// <summary>Standard normal from the counter-based generator (Box–Muller on the uniform bits).</summary>
    public static Tensor Randn(int[] shape, Random.Philox gen, Device device = default)
    {
        var t = Empty(shape, device);
        t.Backend.FillNormal(t, gen.Seed, gen.Advance(t.Numel));
        return t;
    }

    // ---------------------------------------------------------------- element access (host)

    /// <summary>Whether the elements are laid out row-major without gaps.</summary>
    public bool IsContiguous
    {
        get
        {
            if (Numel == 0) return true;
            long expected = 1;
            for (int d = Rank - 1; d >= 0; d--)
            {
                if (Shape[d] != 1 && Strides[d] != expected) return false;
                expected *= Shape[d];
            }
            return true;
        }
    }

    /// <summary>Pointer to the first element of a CPU tensor.</summary>
    public float* Ptr
    {
        get
        {
            if (Storage is not CpuStorage cpu)
                throw new InvalidOperationException($"Ptr: tensor {ShapeString(Shape)} lives on {Device}; copy it with To(Device.Cpu) first.");
            return cpu.Ptr + Offset;
        }
    }

    /// <summary>The elements of a contiguous CPU tensor, writable.</summary>
    public Span<float> Span
    {
        get
        {
            if (!IsContiguous) throw new InvalidOperationException($"Span: tensor {ShapeString(Shape)} with strides {ShapeString(Strides)} is not contiguous; call Contiguous() first.");
            return new Span<float>(Ptr, checked((int)Numel));
        }
    }

    /// <summary>Copies the elements to a new host array in row-major order.</summary>
    public float[] ToArray()
    {
        using var c = Contiguous();
        var result = new float[c.Numel];
        c.Backend.CopyToHost(c, result);
        return result;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item: tensor has shape {ShapeString(Shape)}, not one element.");
        return Device == Device.Cpu ? ToArray()[0] : Items(this)[0];
    }

    /// <summary>
    /// The values of several one-element tensors on one device, read back with a single device→host copy: on CUDA
    /// each <see cref="Item"/> is a stream synchronisation, so a training step that reports five losses pays one, not five.
    /// The losses whose finite check backward deferred on this device (<see cref="Autograd.DeferredLossCheck"/>) come
    /// back in the same copy; a non-finite one throws <see cref="ArithmeticException"/> here.
    /// </summary>
    public static float[] Items(params Tensor[] scalars) => scalars.Length == 0 ? [] : ReadScalars(scalars[0].Device, scalars);

    /// <summary><see cref="Items"/> on <paramref name="device"/>; with no scalars it reads only the deferred loss checks.</summary>
    internal static float[] ReadScalars(Device device, Tensor[] scalars)
    {
        var deferred = Autograd.DeferredLossCheck.Take(device);
        if (scalars.Length + deferred.Length == 0) return [];
        float[] values;
        try
        {
            using var packed = Empty([scalars.Length + deferred.Length], device);
            for (int i = 0; i < scalars.Length + deferred.Length; i++)
            {
                var s = i < scalars.Length ? scalars[i] : deferred[i - scalars.Length].Copy;
                if (s.Numel != 1) throw new InvalidOperationException($"Items: tensor {i} has shape {ShapeString(s.Shape)}, not one element.");
                if (s.Device != device) throw new InvalidOperationException($"Items: tensor {i} is on {s.Device}, tensor 0 on {device}.");
                using var slot = packed.MakeView(s.Shape, s.Strides, i);
                packed.Backend.CopyStrided(s, slot);
            }
            values = packed.ToArray();
        }
        catch
        {
            foreach (var p in deferred) p.Copy.Dispose();
            throw;
        }
        Autograd.DeferredLossCheck.Verify(deferred, values.AsSpan(scalars.Length));
        return values[..scalars.Length];
    }

    /// <summary>A copy on <paramref name="device"/> (a plain copy when it is already there). Not differentiable.</summary>
    public Tensor To(Device device)
    {
        using var c = Contiguous();
        var host = c.ToArray();
        return FromArray(host, Shape, device);
    }

    /// <summary>
    /// Moves this tensor's elements (and its gradient) to <paramref name="device"/> in place: the object stays and its
    /// memory is replaced, so whoever holds it (a layer's field, an optimizer) sees the move — PyTorch's
    /// <c>param.data = param.data.to(device)</c> in <c>Module.to</c>. Only for a tensor that alone owns all of its
    /// memory: a view, or a tensor with views, would leave another handle on the old device.
    /// </summary>
    public void MoveTo(Device device)
    {
        if (Device == device) return;
        if (Storage.IsShared || Offset != 0 || !IsContiguous || Storage.Length != Numel)
            throw new InvalidOperationException($"MoveTo: tensor {ShapeString(Shape)} shares its memory with a view (or is one); only a tensor that owns its memory can move in place.");
        using var _ = TensorScope.Untracked();
        using var noGrad = GradMode.NoGrad();
        var moved = To(device);
        (_storage, moved._storage) = (moved._storage, _storage);
        moved.Dispose(); // releases the old memory
        if (Grad is { } grad)
        {
            Grad = grad.To(device);
            grad.Dispose();
        }
    }

    /// <summary>Copies <paramref name="src"/>'s elements into this tensor (same shape). Not differentiable.</summary>
    public void CopyFrom(Tensor src)
    {
        if (!Shape.AsSpan().SequenceEqual(src.Shape))
            throw new ArgumentException($"CopyFrom: source {ShapeString(src.Shape)} does not match destination {ShapeString(Shape)}.");
        if (src.Device != Device)
        {
            using var moved = src.To(Device);
            Backend.CopyStrided(moved, this);
        }
        else Backend.CopyStrided(src, this);
    }

    // ---------------------------------------------------------------- autograd entry

    /// <summary>Backpropagates from this tensor (a scalar unless <paramref name="gradient"/> is given).</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => Engine.Backward(this, gradient, retainGraph);

    /// <summary>Frees this tensor's gradient (PyTorch's zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    // ---------------------------------------------------------------- lifetime

    public void Dispose()
    {
        var s = Interlocked.Exchange(ref _storage, null);
        if (s == null) return;
        s.Release();
        Interlocked.Decrement(ref _liveTensors);
        Grad?.Dispose();
        Grad = null;
        GradFn?.Release(); // the tensors its op saved for backward go with the output (a graph never run backward)
        GradFn = null;
    }

    public override string ToString()
    {
        if (IsDisposed) return "Tensor(disposed)";
        var sb = new StringBuilder($"Tensor{ShapeString(Shape)} {Device}");
        if (GradFn != null) sb.Append($" grad_fn={GradFn.Op}");
        else if (RequiresGrad) sb.Append(" requires_grad");
        if (Numel <= 16)
        {
            var data = ToArray();
            sb.Append(" [").Append(string.Join(", ", data.Select(v => v.ToString("G6")))).Append(']');
        }
        return sb.ToString();
    }
}
