using System.Runtime.InteropServices;
using Rcnn.Training.Data;
using SkiaSharp;

namespace Rcnn.Training.Visualization;

/// <summary>Images as SkiaSharp bitmaps, for drawing on them.</summary>
public static class SkiaBitmaps
{
    /// <summary>An opaque RGBA copy of <paramref name="image"/> (RGB or BGR); the caller disposes it.</summary>
    public static SKBitmap FromImage(ImageBuffer image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var rgb = image.ToFormat("RGB").Data;
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i];
            rgba[j + 1] = rgb[i + 1];
            rgba[j + 2] = rgb[i + 2];
            rgba[j + 3] = 255;
        }
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }
}
