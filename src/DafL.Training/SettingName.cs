using System.Text.Json;

namespace DafL.Training;

/// <summary>
/// A setting of a config (<see cref="DistillConfig"/>, <see cref="TeacherConfig"/>) as an error names it: by its key,
/// the snake_case of the property, as config.json writes it. Training names settings only so; a front end that sets
/// them another way names them its own way (<see cref="SettingException.NamedBy"/>: the CLI by its options).
/// </summary>
public readonly record struct SettingName(string Key)
{
    /// <summary>The setting of the config property <paramref name="property"/> (a <c>nameof</c>).</summary>
    public static SettingName Of(string property) => new(JsonNamingPolicy.SnakeCaseLower.ConvertName(property));

    public override string ToString() => Key;
}
