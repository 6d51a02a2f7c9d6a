using System.Text.Json;
using System.Text.Json.Serialization;

namespace DafL.Training;

/// <summary>
/// A <see cref="Device"/> in run configs as the word the CLI takes ("cpu", "cuda"), one of <see cref="DeviceChoice.Devices"/>;
/// any case is read.
/// </summary>
public sealed class DeviceJsonConverter : JsonConverter<Device>
{
    public override Device Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && reader.GetString() is { } word && DeviceChoice.Named(word) is { } device
            ? device
            : throw new JsonException($"A device is {DeviceChoice.Described}.");

    public override void Write(Utf8JsonWriter writer, Device value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name);
}
