using System.Text.Json;
using System.Text.Json.Serialization;

namespace DafL.Training;

/// <summary>A <see cref="Device"/> in run configs as the word the CLI takes ("cpu", "cuda"); any case is read.</summary>
public sealed class DeviceJsonConverter() : JsonStringEnumConverter<Device>(Naming, allowIntegerValues: false)
{
    /// <summary>How a device's name is written (the strict reader, <see cref="DistillConfig.FromJson"/>, names them so too).</summary>
    public static JsonNamingPolicy Naming => JsonNamingPolicy.SnakeCaseLower;
}
