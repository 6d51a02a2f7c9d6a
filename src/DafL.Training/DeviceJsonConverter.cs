using System.Text.Json;
using System.Text.Json.Serialization;

namespace DafL.Training;

/// <summary>A <see cref="Device"/> in run configs as the word the CLI takes ("cpu", "cuda"); any case is read.</summary>
public sealed class DeviceJsonConverter() : JsonStringEnumConverter<Device>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);
