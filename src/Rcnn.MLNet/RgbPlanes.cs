using Microsoft.ML.Data;

namespace Rcnn.MLNet.Scoring;

/// <summary>
/// An <see cref="MLImage"/> as the detector's pixel layout: R, G and B planes (CHW) of height x width bytes each.
/// The fast path copies from <c>MLImage.Pixels</c> (zero-copy since ML.NET 6.0); the public BGR copy,
/// <c>MLImage.GetBGRPixels</c> (one SKColor per pixel, tens of milliseconds per photo), defines the expected values:
/// colours not premultiplied by alpha.
/// </summary>
internal static class RgbPlanes
{
    /// <summary>Writes the planes of <paramref name="image"/> into <paramref name="planes"/> (3 * height * width
    /// bytes); <paramref name="allowFastPath"/> false forces <c>GetBGRPixels</c>. Returns whether the fast path was used.</summary>
    public static bool Write(MLImage image, Span<byte> planes, bool allowFastPath = true)
    {
        ArgumentNullException.ThrowIfNull(image);
        int plane = image.Height * image.Width;
        if (planes.Length != 3 * plane)
            throw new ArgumentException($"Expected {3 * plane} bytes for a {image.Width}x{image.Height} image, got {planes.Length}.", nameof(planes));
        if (allowFastPath && FromPixels(image, planes)) return true;
        FromBgrCopy(image, planes);
        return false;
    }

    /// <summary>MLImage's own BGR copy, reordered into planes.</summary>
    public static void FromBgrCopy(MLImage image, Span<byte> planes)
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
    /// Copies MLImage's 32-bit RGBA/BGRA pixels into planes. Returns false (nothing usable written) for another layout
    /// or when any pixel is translucent: MLImage does not say whether its stored colours are premultiplied by alpha,
    /// and where they are they differ from the colours <c>GetBGRPixels</c> returns.
    /// </summary>
    private static bool FromPixels(MLImage image, Span<byte> planes)
    {
        int r, b;
        switch (image.PixelFormat)
        {
            case MLPixelFormat.Rgba32: (r, b) = (0, 2); break;
            case MLPixelFormat.Bgra32: (r, b) = (2, 0); break;
            default: return false;
        }
        int height = image.Height, width = image.Width, plane = height * width;
        ReadOnlySpan<byte> src = image.Pixels;
        if (src.Length != 4 * plane) return false;  // rows with padding: the BGR copy handles them
        var red = planes[..plane];
        var green = planes.Slice(plane, plane);
        var blue = planes.Slice(2 * plane, plane);
        int alpha = 255;
        for (int p = 0, i = 0; p < plane; p++, i += 4)
        {
            red[p] = src[i + r];
            green[p] = src[i + 1];
            blue[p] = src[i + b];
            alpha &= src[i + 3];
        }
        return alpha == 255;
    }
}
