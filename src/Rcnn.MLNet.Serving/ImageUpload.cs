using Microsoft.ML.Data;
using SkiaSharp;

namespace Rcnn.MLNet.Serving;

/// <summary>
/// Turns uploaded bytes into the MLImage that scoring takes, refusing what is not a whole image. The image comes from
/// ML.NET's own decoder (<see cref="MLImage.CreateFromStream"/>, what <c>LoadImages</c> uses), so the service scores
/// exactly what an ML.NET pipeline reading the same file would; a strict decode runs first because that decoder fills
/// a truncated file's missing rows with grey instead of failing.
/// </summary>
public static class ImageUpload
{
    /// <exception cref="ImageUploadException">empty, not an image, or truncated.</exception>
    public static MLImage Decode(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty) throw new ImageUploadException("The request has no image: the body is empty.");
        using (var data = SKData.CreateCopy(bytes.Span))
        using (var codec = SKCodec.Create(data))
        {
            if (codec is null)
                throw new ImageUploadException($"The upload ({bytes.Length} bytes, starting {Hex(bytes.Span)}) is not an image in a format this service reads (JPEG, PNG, BMP, GIF, WebP).");
            var info = codec.Info;
            if (info.Width <= 0 || info.Height <= 0) throw new ImageUploadException($"The {codec.EncodedFormat} image has no pixels ({info.Width}x{info.Height}).");
            using var bitmap = new SKBitmap(new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
            if (result == SKCodecResult.IncompleteInput)
                throw new ImageUploadException($"The {codec.EncodedFormat} image ({info.Width}x{info.Height}) is truncated: its data ends before its last row.");
            if (result != SKCodecResult.Success)
                throw new ImageUploadException($"The {codec.EncodedFormat} image ({info.Width}x{info.Height}) could not be decoded: {result}.");
        }
        try
        {
            return MLImage.CreateFromStream(new MemoryStream(bytes.ToArray(), writable: false));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new ImageUploadException($"The image could not be decoded: {e.Message}");
        }
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes[..Math.Min(8, bytes.Length)]);
}
