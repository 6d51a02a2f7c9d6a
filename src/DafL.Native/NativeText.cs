using System.Runtime.InteropServices;

namespace DafL.Native;

/// <summary>Strings that cross into and out of the native libraries.</summary>
static unsafe class NativeText
{
    /// <summary>A NUL-terminated UTF-8 string returned by a library; null for a null pointer.</summary>
    public static string? Utf8(byte* text) => text is null ? null : Marshal.PtrToStringUTF8((nint)text);

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="text"/>, to pin and pass as <c>const char*</c>.</summary>
    public static byte[] ToUtf8Z(string text)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(text) + 1];
        System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
