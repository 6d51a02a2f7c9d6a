using SkiaSharp;

namespace DafL.Reports;

/// <summary>
/// Draws generated images as a PNG grid (SkiaSharp), each tile captioned with the teacher's predicted class
/// in a tiny built-in 3×5 pixel font (no system fonts needed).
/// </summary>
public static class SampleGrid
{
    // Digits 0–9 as 3×5 bitmaps, one row per 3 bits (MSB left).
    static readonly int[][] Glyphs =
    [
        [7, 5, 5, 5, 7], [2, 6, 2, 2, 7], [7, 1, 7, 4, 7], [7, 1, 7, 1, 7], [5, 5, 7, 1, 1],
        [7, 4, 7, 1, 7], [7, 4, 7, 5, 7], [7, 1, 1, 1, 1], [7, 5, 7, 5, 7], [7, 5, 7, 1, 7],
    ];

    /// <param name="images">(N, C, H, W) on the CPU, already mapped to [0, 1].</param>
    /// <param name="labels">Caption per image.</param>
    /// <returns>The PNG file's bytes.</returns>
    public static byte[] Encode(Tensor images, int[] labels, int columns = 8, int scale = 3)
    {
        int n = images.Shape[0], c = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        int rows = (n + columns - 1) / columns, captionH = 7, pad = 2;
        int tileW = w * scale + pad, tileH = h * scale + captionH * 2 + pad;
        var data = images.ToArray();
        using var bitmap = new SKBitmap(columns * tileW + pad, rows * tileH + pad, SKColorType.Rgba8888, SKAlphaType.Opaque);
        bitmap.Erase(new SKColor(24, 24, 24));
        for (int i = 0; i < n; i++)
        {
            int x0 = pad + i % columns * tileW, y0 = pad + i / columns * tileH;
            for (int y = 0; y < h * scale; y++)
                for (int x = 0; x < w * scale; x++)
                {
                    byte Channel(int ch) => (byte)Math.Clamp(MathF.Round(data[((i * c + Math.Min(ch, c - 1)) * h + y / scale) * w + x / scale] * 255f), 0, 255);
                    bitmap.SetPixel(x0 + x, y0 + y, new SKColor(Channel(0), Channel(1), Channel(2)));
                }
            DrawNumber(bitmap, labels[i], x0, y0 + h * scale + 2, 2);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    static void DrawNumber(SKBitmap bitmap, int value, int x, int y, int scale)
    {
        foreach (char ch in value.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            var glyph = Glyphs[ch - '0'];
            for (int row = 0; row < 5; row++)
                for (int col = 0; col < 3; col++)
                    if ((glyph[row] >> (2 - col) & 1) != 0)
                        for (int dy = 0; dy < scale; dy++)
                            for (int dx = 0; dx < scale; dx++)
                                if (x + col * scale + dx < bitmap.Width && y + row * scale + dy < bitmap.Height)
                                    bitmap.SetPixel(x + col * scale + dx, y + row * scale + dy, new SKColor(255, 200, 0));
            x += 4 * scale;
        }
    }
}
