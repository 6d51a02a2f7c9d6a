// netstandard2.0 lacks the marker type that C# records' init accessors need; the compiler finds it by name.
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit;
