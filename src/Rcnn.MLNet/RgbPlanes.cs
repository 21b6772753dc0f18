using Microsoft.ML.Data;
using SkiaSharp;

namespace Rcnn.MLNet.Scoring;

/// <summary>
/// An <see cref="MLImage"/> as the detector's pixel layout: R, G and B planes (CHW) of height x width bytes each.
/// The fast path copies straight from the image's SkiaSharp bitmap (<see cref="MLImageBitmap"/>); the public path
/// goes through <c>MLImage.GetBGRPixels</c> and defines the expected values: colours not premultiplied by alpha.
/// </summary>
internal static class RgbPlanes
{
    // Set when this process's SkiaSharp lacks the span API we compiled against (a host that pins SkiaSharp 2.88).
    private static volatile bool fastPathBroken;

    /// <summary>Writes the planes of <paramref name="image"/> into <paramref name="planes"/> (3 * height * width
    /// bytes); <paramref name="allowFastPath"/> false forces the public API. Returns whether the fast path was used.</summary>
    public static bool Write(MLImage image, Span<byte> planes, bool allowFastPath = true)
    {
        ArgumentNullException.ThrowIfNull(image);
        int plane = image.Height * image.Width;
        if (planes.Length != 3 * plane)
            throw new ArgumentException($"Expected {3 * plane} bytes for a {image.Width}x{image.Height} image, got {planes.Length}.", nameof(planes));
        if (allowFastPath && !fastPathBroken && MLImageBitmap.Bitmap(image) is { } bitmap)
        {
            try
            {
                if (FromBitmap(bitmap, image.Height, image.Width, planes)) return true;
            }
            catch (MissingMethodException)
            {
                fastPathBroken = true;
            }
        }
        FromPublicApi(image, planes);
        return false;
    }

    /// <summary>The public path: MLImage's own BGR copy, reordered into planes.</summary>
    public static void FromPublicApi(MLImage image, Span<byte> planes)
    {
        int plane = image.Height * image.Width;
        var bgr = image.GetBGRPixels;
        for (int p = 0, i = 0; p < plane; p++, i += 3)
        {
            planes[p] = bgr[i + 2];
            planes[plane + p] = bgr[i + 1];
            planes[2 * plane + p] = bgr[i];
        }
    }

    /// <summary>
    /// Copies a 32-bit RGBA/BGRA bitmap into planes. Returns false (nothing usable written) for another colour type,
    /// a size that disagrees with the MLImage, or premultiplied pixels that are not all opaque: there the stored bytes
    /// differ from the colours the public path returns, so the caller takes the public path.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool FromBitmap(SKBitmap bitmap, int height, int width, Span<byte> planes)
    {
        int r, b;
        switch (bitmap.ColorType)
        {
            case SKColorType.Rgba8888: (r, b) = (0, 2); break;
            case SKColorType.Bgra8888: (r, b) = (2, 0); break;
            default: return false;
        }
        if (bitmap.Width != width || bitmap.Height != height || bitmap.BytesPerPixel != 4) return false;
        ReadOnlySpan<byte> src = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes, plane = height * width;
        if (src.Length < (height - 1) * rowBytes + 4 * width) return false;
        var red = planes[..plane];
        var green = planes.Slice(plane, plane);
        var blue = planes.Slice(2 * plane, plane);
        int alpha = 255;
        for (int y = 0; y < height; y++)
        {
            var row = src.Slice(y * rowBytes, 4 * width);
            int o = y * width;
            for (int x = 0, i = 0; x < width; x++, i += 4)
            {
                red[o + x] = row[i + r];
                green[o + x] = row[i + 1];
                blue[o + x] = row[i + b];
                alpha &= row[i + 3];
            }
        }
        return alpha == 255 || bitmap.AlphaType != SKAlphaType.Premul;
    }
}
