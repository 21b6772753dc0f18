using Microsoft.ML.Transforms;

namespace Rcnn.MLNet.Scoring;

/// <summary>
/// The scoring chain's pixel step since the byte contract: MLImage to RGB planes as bytes plus height and width.
/// Bytes instead of floats because the managed side then only copies (from the bitmap, <see cref="RgbPlanes"/>) and
/// ONNX Runtime does the float conversion inside the graph (<see cref="MlNetOnnxAdapter"/> adds Reshape + Cast).
/// Models saved before it use <see cref="ImageToPixelsFactory"/> (contract <c>Rcnn.ImageToPixels</c>), which stays
/// registered so they still load.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class ImageToPixelBytesFactory : CustomMappingFactory<ImagePixelsInput, ImagePixelBytesOutput>
{
    public const string ContractName = "Rcnn.ImageToPixelBytes";

    public override Action<ImagePixelsInput, ImagePixelBytesOutput> GetMapping() => Map;

    public static void Map(ImagePixelsInput input, ImagePixelBytesOutput output) => Map(input, output, allowFastPath: true);

    /// <summary>As <see cref="Map(ImagePixelsInput, ImagePixelBytesOutput)"/>; <paramref name="allowFastPath"/> false
    /// reads through MLImage's public API only (tests and the stage benchmark).</summary>
    internal static bool Map(ImagePixelsInput input, ImagePixelBytesOutput output, bool allowFastPath)
    {
        var image = input.Image ?? throw new InvalidOperationException(
            $"The image column '{DetectorOnnxNames.ScoringImage}' of a scored row is missing (null); every row needs an image.");
        int h = image.Height, w = image.Width;
        // The output object is reused row after row by its cursor (never shared between cursors).
        var pixels = output.Pixels.Length == 3 * h * w ? output.Pixels : new byte[3 * h * w];
        bool fast = RgbPlanes.Write(image, pixels, allowFastPath);
        output.Pixels = pixels;
        output.Height[0] = h;
        output.Width[0] = w;
        return fast;
    }
}
