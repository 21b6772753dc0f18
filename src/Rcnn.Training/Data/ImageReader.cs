using System.Runtime.CompilerServices;
using SkiaSharp;

namespace Rcnn.Training.Data;

/// <summary>
/// detectron2's <c>read_image</c> + <c>check_image_size</c> on SkiaSharp: decode to 8-bit HWC, apply the EXIF orientation
/// (as PIL's exif_transpose does), then convert to the requested channel order.
/// </summary>
public static class ImageReader
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ImageBuffer Read(string fileName, string format = "BGR")
    {
        if (!File.Exists(fileName)) throw new DatasetException(fileName, "image file not found.");
        using var codec = SKCodec.Create(fileName, out var createResult)
            ?? throw new DatasetException(fileName, $"not a decodable image ({createResult}).");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* p = rgba) result = codec.GetPixels(info, (IntPtr)p);
        }
        // A truncated file decodes partly (IncompleteInput); PIL refuses those too, so a grey-filled image never trains.
        if (result != SKCodecResult.Success)
            throw new DatasetException(fileName, $"image could not be decoded ({result}).");

        var rgb = new byte[info.Width * info.Height * 3];
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }
        var image = ExifOrientation.Apply(new ImageBuffer(rgb, info.Height, info.Width), codec.EncodedOrigin);
        return image.ToFormat(format);
    }

    /// <summary>The (EXIF-oriented) width and height of an image file, from its header: what <see cref="Read(string, string)"/>
    /// would give, without decoding the pixels. Used to describe images that a dataset lists by path only.</summary>
    public static (int Width, int Height) ReadSize(string fileName)
    {
        if (!File.Exists(fileName)) throw new DatasetException(fileName, "image file not found.");
        using var codec = SKCodec.Create(fileName, out var createResult)
            ?? throw new DatasetException(fileName, $"not a decodable image ({createResult}).");
        int w = codec.Info.Width, h = codec.Info.Height;
        return ExifOrientation.SwapsAxes(codec.EncodedOrigin) ? (h, w) : (w, h);
    }

    /// <summary>Reads the image of <paramref name="record"/>; a size other than the record's is an error, as in detectron2.</summary>
    public static ImageBuffer Read(DatasetRecord record, string format = "BGR")
    {
        var image = Read(record.FileName, format);
        if (image.Height != record.Height || image.Width != record.Width)
            throw new DatasetException(record.FileName,
                $"mismatched image size: the dataset says {record.Width}x{record.Height} (WxH) but the (EXIF-oriented) image is {image.Width}x{image.Height}.");
        return image;
    }
}
