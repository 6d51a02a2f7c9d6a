using System.Buffers.Binary;

namespace DafL.Tests.Fuzz;

/// <summary>
/// An independent verdict on a pair of MNIST IDX files, written from the format's description and not from the
/// reader: the suite uses it to tell a damaged file (which must be refused) from a valid one with other pixels or
/// labels (which must be accepted).
/// </summary>
public static class IdxOracle
{
    public static bool Valid(byte[] images, byte[] labels)
    {
        if (images.Length < 16 || labels.Length < 8) return false;
        int Int(byte[] b, int at) => BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(at));
        int count = Int(images, 4);
        if (Int(images, 0) != 2051 || Int(images, 8) != 28 || Int(images, 12) != 28) return false;
        if (Int(labels, 0) != 2049 || Int(labels, 4) != count) return false;
        // An empty test set scores nothing: it is refused too.
        if (count < 1 || images.LongLength != 16 + 784L * count || labels.LongLength != 8L + count) return false;
        return labels.AsSpan(8).IndexOfAnyInRange((byte)10, (byte)255) < 0;
    }
}
