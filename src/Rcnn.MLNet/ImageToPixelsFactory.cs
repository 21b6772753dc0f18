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

    /// <summary>Writes the image's RGB planes as floats 0..255: the byte route's values (<see cref="RgbPlanes"/>), as floats.</summary>
    public static void Map(ImagePixelsInput input, ImagePixelsOutput output)
    {
        var image = input.Image ?? throw new InvalidOperationException(
            $"The image column '{DetectorOnnxNames.ScoringImage}' of a scored row is missing (null); every row needs an image.");
        int h = image.Height, w = image.Width, n = 3 * h * w;
        // The output object is reused row after row by its cursor (never shared between cursors).
        var pixels = output.Pixels.Length == n ? output.Pixels : new float[n];
        var bytes = System.Buffers.ArrayPool<byte>.Shared.Rent(n);
        try
        {
            RgbPlanes.Write(image, bytes.AsSpan(0, n));
            for (int i = 0; i < n; i++) pixels[i] = bytes[i];
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }
        output.Pixels = pixels;
        output.Height[0] = h;
        output.Width[0] = w;
    }
}
