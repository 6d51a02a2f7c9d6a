namespace DafL.Autograd;

/// <summary>
/// Backward's refusal to propagate a non-finite loss, without a synchronisation of its own. On the CPU the loss is
/// read at once (a read costs nothing there). On a device every read waits for all the work queued before it, so
/// reading the loss in each backward would stall the step; instead a one-element copy of the loss is queued and
/// kept here, and it travels with the next read of scalars on that device (<see cref="Tensor.Items"/>, and so
/// <see cref="Tensor.Item"/>): a training step that reads its losses once pays one read for both, and that read
/// throws if a loss the backward saw was NaN or infinite. The check then comes after the step that used the
/// gradients; the caller's last checkpoint is what to go back to. Copies not read after
/// <see cref="MaxPending"/> backward passes are read at the next one, so the list stays short. Per thread, like a
/// training loop.
/// </summary>
internal static class DeferredLossCheck
{
    internal const int MaxPending = 16;

    internal sealed record Pending(Tensor Copy, string Origin);

    [ThreadStatic] static List<Pending>? t_pending;

    /// <summary>Checks <paramref name="loss"/> now on the CPU, or defers the check on a device.</summary>
    public static void Watch(Tensor loss)
    {
        if (loss.Numel != 1) return;
        string origin = loss.GradFn == null ? "a leaf" : $"op '{loss.GradFn.Op}' (inputs {loss.GradFn.InputShapes})";
        if (loss.Device == Device.Cpu)
        {
            ThrowUnlessFinite(loss.Item(), origin);
            return;
        }
        using (TensorScope.Untracked())
            (t_pending ??= []).Add(new Pending(loss.Clone(), origin));
        if (t_pending.Count >= MaxPending) Engine.CheckDeferredLosses(loss.Device);
    }

    /// <summary>The deferred checks on <paramref name="device"/>, handed to the caller, which must <see cref="Verify"/> them.</summary>
    public static Pending[] Take(Device device)
    {
        if (t_pending is not { Count: > 0 } pending) return [];
        var taken = pending.Where(p => p.Copy.Device == device).ToArray();
        pending.RemoveAll(p => p.Copy.Device == device);
        return taken;
    }

    /// <summary>Disposes the copies and throws for the first whose value (read with them) was not finite.</summary>
    public static void Verify(Pending[] taken, ReadOnlySpan<float> values)
    {
        foreach (var p in taken) p.Copy.Dispose();
        for (int i = 0; i < taken.Length; i++) ThrowUnlessFinite(values[i], taken[i].Origin);
    }

    static void ThrowUnlessFinite(float value, string origin)
    {
        if (float.IsFinite(value)) return;
        throw new ArithmeticException($"Backward: the loss is {value} (made by {origin}); refusing to propagate a non-finite loss.");
    }
}
