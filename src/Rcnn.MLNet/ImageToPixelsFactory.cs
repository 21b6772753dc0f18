using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Rcnn.MLNet.Scoring;

/// <summary>
/// The pixel step of chains saved before the byte contract (<see cref="ImageToPixelBytesFactory"/>): MLImage to the
/// detector's FlatPixels float inputs. Kept registered so those models load and score unchanged. ML.NET saves only the
/// contract name and this assembly's name, and on load finds this factory through the attribute, so a saved model
/// needs Rcnn.MLNet.dll wherever it is loaded.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class ImageToPixelsFactory : CustomMappingFactory<ImagePixelsInput, ImagePixelsOutput>
{
    public const string ContractName = "Rcnn.ImageToPixels";

    public override Action<ImagePixelsInput, ImagePixelsOutput> GetMapping() => Map;

    // MLImage.Pixels (zero-copy) works from ML.NET 6.0; ML.NET 5.0.1's calls SKBitmap.GetPixelSpan with SkiaSharp
    // 2.88's signature, missing in SkiaSharp 3. Where it fails, GetBGRPixels (a copy through SKBitmap.Pixels) works.
    private static volatile bool pixelSpanMissing;

    /// <summary>Writes the image's RGB planes as floats 0..255 (both of MLImage's 32-bit layouts).</summary>
    public static void Map(ImagePixelsInput input, ImagePixelsOutput output)
    {
        var image = input.Image ?? throw new InvalidOperationException(
            $"The image column '{DetectorOnnxNames.ScoringImage}' of a scored row is missing (null); every row needs an image.");
        int h = image.Height, w = image.Width, plane = h * w;
        // The output object is reused row after row by its cursor (never shared between cursors).
        var pixels = output.Pixels.Length == 3 * plane ? output.Pixels : new float[3 * plane];
        if (!pixelSpanMissing)
        {
            try
            {
                FromPixelSpan(image, pixels, plane);
            }
            catch (MissingMethodException)
            {
                pixelSpanMissing = true;
            }
        }
        if (pixelSpanMissing)
        {
            var bgr = image.GetBGRPixels;
            for (int p = 0, i = 0; p < plane; p++, i += 3)
            {
                pixels[p] = bgr[i + 2];
                pixels[plane + p] = bgr[i + 1];
                pixels[2 * plane + p] = bgr[i];
            }
        }
        output.Pixels = pixels;
        output.Height[0] = h;
        output.Width[0] = w;
    }

    // Separate method: the missing SkiaSharp method fails when this is compiled, inside Map's try.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void FromPixelSpan(MLImage image, float[] pixels, int plane)
    {
        var (r, b) = image.PixelFormat switch
        {
            MLPixelFormat.Rgba32 => (0, 2),
            MLPixelFormat.Bgra32 => (2, 0),
            var f => throw new NotSupportedException($"MLImage pixel format {f} is not supported; expected Bgra32 or Rgba32."),
        };
        var src = image.Pixels;
        for (int p = 0, i = 0; p < plane; p++, i += 4)
        {
            pixels[p] = src[i + r];
            pixels[plane + p] = src[i + 1];
            pixels[2 * plane + p] = src[i + b];
        }
    }
}
