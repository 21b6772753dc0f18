using System.Linq.Expressions;
using System.Reflection;
using Microsoft.ML.Data;
using SkiaSharp;

namespace Rcnn.MLNet.Scoring;

/// <summary>
/// The SkiaSharp bitmap inside an <see cref="MLImage"/>, read through its private field. Why: MLImage's public pixel
/// readers are slow, or broken under ML.NET 5.0.1: its <c>Pixels</c> calls <c>SKBitmap.GetPixelSpan</c> with SkiaSharp
/// 2.88's signature (missing in SkiaSharp 3; ML.NET 6.0's works), and <c>GetBGRPixels</c> goes through <c>SKBitmap.Pixels</c>, one SKColor per pixel
/// (about 56 ms for a 640x480 image, a fifth of the detector's own time). The field is not a contract: when a future
/// ML.NET renames it or changes its type, <see cref="Bitmap"/> returns null and callers use the public API.
/// </summary>
internal static class MLImageBitmap
{
    /// <summary>The field name in ML.NET 5.0.1 and 6.0.0; any single private SKBitmap field is accepted as well.</summary>
    private const string FieldName = "_image";

    private static readonly Func<MLImage, SKBitmap?>? Getter = CreateGetter();

    /// <summary>Whether this ML.NET's MLImage has a readable SKBitmap field (false: every read uses the public API).</summary>
    public static bool Available => Getter is not null;

    /// <summary>The image's bitmap, or null when the field is unknown or the image is disposed.</summary>
    public static SKBitmap? Bitmap(MLImage image) => Getter?.Invoke(image);

    private static Func<MLImage, SKBitmap?>? CreateGetter()
    {
        const BindingFlags Flags = BindingFlags.Instance | BindingFlags.NonPublic;
        var field = typeof(MLImage).GetField(FieldName, Flags);
        if (field is null || field.FieldType != typeof(SKBitmap))
        {
            var candidates = typeof(MLImage).GetFields(Flags).Where(f => f.FieldType == typeof(SKBitmap)).ToArray();
            if (candidates.Length != 1) return null;
            field = candidates[0];
        }
        // A compiled field read: FieldInfo.GetValue per row would cost more than the copy it saves.
        var image = Expression.Parameter(typeof(MLImage), "image");
        return Expression.Lambda<Func<MLImage, SKBitmap?>>(Expression.Field(image, field), image).Compile();
    }
}
