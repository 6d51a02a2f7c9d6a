using System.Text;
using System.Text.RegularExpressions;

namespace DafL.SourceGen.Kernels;

/// <summary>One kernel of a .cu file: its exported name, the file and the C# constant that names it.</summary>
internal sealed record KernelDeclaration(string Name, string File, string CSharpName);

/// <summary>
/// Reads the kernels a .cu file exports, its <c>extern "C" __global__</c> functions (the same declarations NVRTC
/// exports unmangled), and names each for C#: the snake_case name without its dtype suffix (<c>_f32</c>,
/// <c>_f64</c>), in PascalCase: <c>max_pool2d_forward_f32</c> → <c>MaxPool2dForward</c>,
/// <c>sum_finish_f64</c> → <c>SumFinish</c>.
/// </summary>
internal static class KernelDeclarations
{
    static readonly Regex Declaration = new(@"extern\s+""C""\s+__global__\s+void\s+(?:__launch_bounds__\([^)]*\)\s+)?(\w+)\s*\(",
        RegexOptions.CultureInvariant);

    static readonly Regex DtypeSuffix = new(@"_f\d+$", RegexOptions.CultureInvariant);

    public static IEnumerable<KernelDeclaration> In(string file, string text) =>
        Declaration.Matches(text).Cast<Match>().Select(m => new KernelDeclaration(m.Groups[1].Value, file, CSharpName(m.Groups[1].Value)));

    public static string CSharpName(string kernel)
    {
        var sb = new StringBuilder();
        foreach (var part in DtypeSuffix.Replace(kernel, "").Split(['_'], StringSplitOptions.RemoveEmptyEntries))
            sb.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
        return sb.ToString();
    }
}
