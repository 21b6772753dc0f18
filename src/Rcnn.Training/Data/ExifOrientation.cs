using SkiaSharp;

namespace Rcnn.Training.Data;

/// <summary>Turns stored pixels into display orientation for the 8 EXIF orientations (PIL's ImageOps.exif_transpose).</summary>
internal static class ExifOrientation
{
    /// <summary>True for the four orientations that show the stored image transposed (width and height swap).</summary>
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    public static ImageBuffer Apply(ImageBuffer src, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return src;
        int h = src.Height, w = src.Width;
        bool swap = SwapsAxes(origin);
        int oh = swap ? w : h, ow = swap ? h : w;
        var dst = new byte[src.Data.Length];
        for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
        {
            // The stored pixel (sx, sy) that shows at display position (x, y).
            (int sx, int sy) = origin switch
            {
                SKEncodedOrigin.TopRight => (w - 1 - x, y),           // mirrored horizontally
                SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y), // rotated 180
                SKEncodedOrigin.BottomLeft => (x, h - 1 - y),          // mirrored vertically
                SKEncodedOrigin.LeftTop => (y, x),                     // transposed
                SKEncodedOrigin.RightTop => (y, h - 1 - x),            // needs 90 degrees clockwise
                SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x), // transverse
                SKEncodedOrigin.LeftBottom => (w - 1 - y, x),          // needs 90 degrees counter-clockwise
                _ => (x, y),
            };
            Buffer.BlockCopy(src.Data, (sy * w + sx) * 3, dst, (y * ow + x) * 3, 3);
        }
        return new ImageBuffer(dst, oh, ow, src.Format);
    }
}
