namespace DafL;

/// <summary>
/// Where a tensor's memory lives and which backend runs its ops: the name a backend is registered under in
/// <see cref="Backends.Backend"/> ("cpu", or a backend's own word, as <c>torch.device</c> spells them). Open, not an
/// enum, so a backend assembly brings its own device without touching the core (as an extension member of this type,
/// <c>Device.X</c>, beside its registration). A struct with one
/// name and value equality, so devices compare and hash like the enum they replace; <c>default(Device)</c> is the
/// CPU, so optional parameters can default to it.
/// </summary>
public readonly struct Device : IEquatable<Device>
{
    const string CpuName = "cpu";

    // null is the CPU: default(Device) and new Device("cpu") are then the same value, and the hot path's
    // IsCpu is one null check.
    readonly string? _name;

    /// <summary>
    /// The device a backend registers as <paramref name="name"/>: a letter, then letters, digits or '_' (any case;
    /// kept in lower case).
    /// </summary>
    public Device(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name))
            throw new ArgumentException($"A device name is a letter, then letters, digits or '_'; found '{name}'.", nameof(name));
        string lower = name.ToLowerInvariant();
        _name = lower == CpuName ? null : lower;
    }

    /// <summary>The CPU, whose backend always exists.</summary>
    public static Device Cpu => default;

    /// <summary>The device named <paramref name="name"/>, in any case (<c>torch.device(name)</c>).</summary>
    public static Device Parse(string name) => new(name);

    /// <summary>The registered name, in lower case ("cpu").</summary>
    public string Name => _name ?? CpuName;

    public bool IsCpu => _name is null;

    public static bool IsValidName(string name) =>
        name.Length > 0 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    public bool Equals(Device other) => string.Equals(_name, other._name, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is Device other && Equals(other);

    public override int GetHashCode() => _name is null ? 0 : StringComparer.Ordinal.GetHashCode(_name);

    public static bool operator ==(Device left, Device right) => left.Equals(right);

    public static bool operator !=(Device left, Device right) => !left.Equals(right);

    /// <summary>
    /// The name with a capital ("Cpu"), as the enum this type replaced printed it, so that error messages
    /// read as before; <see cref="Name"/> is the word configs and <c>--device</c> use.
    /// </summary>
    public override string ToString() => char.ToUpperInvariant(Name[0]) + Name[1..];
}
