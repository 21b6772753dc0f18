using System.Globalization;
using Rcnn.Training.Data;
using Rcnn.Training.Visualization;
using SkiaSharp;

namespace Rcnn.Training.Evaluation;

/// <summary>
/// A grid of crops around the highest-scoring false positives (JPEG): each tile centres one detection with some
/// context, its box drawn in its error kind's colour, and its class, score, kind and image named underneath.
/// </summary>
public static class FalsePositiveGallery
{
    public const string FileName = "false_positives.jpg";

    private const int CaptionHeight = 30;

    /// <summary>
    /// Draws the first <paramref name="count"/> of <paramref name="falsePositives"/> (give them highest score first).
    /// <paramref name="readImage"/> returns an image id's RGB image (each image is read once);
    /// <paramref name="imageName"/> and <paramref name="categoryName"/> label the tiles. Returns the number of tiles.
    /// </summary>
    public static int Save(string path, IReadOnlyList<CocoFalsePositive> falsePositives, Func<long, ImageBuffer> readImage,
        Func<long, string> imageName, Func<int, string> categoryName, int count = 24, int columns = 6, int tileSize = 200)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(falsePositives);
        ArgumentNullException.ThrowIfNull(readImage);
        if (count < 1 || columns < 1 || tileSize < 32) throw new ArgumentOutOfRangeException(nameof(count), "count and columns must be >= 1, tileSize >= 32.");
        var shown = falsePositives.Take(count).ToList();
        if (shown.Count == 0) return 0;
        int cols = Math.Min(columns, shown.Count), rows = (shown.Count + cols - 1) / cols;
        int cellH = tileSize + CaptionHeight;
        using var bitmap = new SKBitmap(new SKImageInfo(cols * tileSize, rows * cellH, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 12);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var outside = new SKPaint { Color = new SKColor(40, 40, 40) };  // where a crop leaves the image
        var cache = new Dictionary<long, SKBitmap>();
        try
        {
            for (int i = 0; i < shown.Count; i++)
            {
                var fp = shown[i];
                var d = fp.Detection;
                if (!cache.TryGetValue(d.ImageId, out var source)) cache[d.ImageId] = source = SkiaBitmaps.FromImage(readImage(d.ImageId));
                // A square twice the box's longer side (at least 64 px), so the neighbours show whether it is an object.
                var b = d.Box;
                double side = Math.Max(64, 2 * Math.Max(b.Width, b.Height));
                double cx = b.X + b.Width / 2, cy = b.Y + b.Height / 2;
                var crop = SKRect.Create((float)(cx - side / 2), (float)(cy - side / 2), (float)side, (float)side);
                float scale = tileSize / (float)side;
                float x0 = i % cols * tileSize, y0 = i / cols * cellH;
                var dest = SKRect.Create(x0, y0, tileSize, tileSize);
                canvas.Save();
                canvas.ClipRect(dest);
                canvas.DrawRect(dest, outside);
                using (var image = SKImage.FromBitmap(source))
                    canvas.DrawImage(image, crop, dest, new SKSamplingOptions(SKFilterMode.Linear));
                using var box = new SKPaint { Color = Colour(fp.Kind), Style = SKPaintStyle.Stroke, StrokeWidth = 2, IsAntialias = true };
                canvas.DrawRect(SKRect.Create(x0 + (float)(b.X - crop.Left) * scale, y0 + (float)(b.Y - crop.Top) * scale,
                    (float)b.Width * scale, (float)b.Height * scale), box);
                canvas.Restore();
                string line1 = string.Create(CultureInfo.InvariantCulture, $"{categoryName(d.CategoryId)} {d.Score:0.00} {fp.Kind.Name()}");
                canvas.DrawText(line1, x0 + 3, y0 + tileSize + 13, font, ink);
                canvas.DrawText(Path.GetFileName(imageName(d.ImageId)), x0 + 3, y0 + tileSize + 26, font, ink);
            }
        }
        finally
        {
            foreach (var s in cache.Values) s.Dispose();
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 85);
        string tmp = path + ".tmp";
        using (var file = File.Create(tmp)) data.SaveTo(file);
        File.Move(tmp, path, overwrite: true);
        return shown.Count;
    }

    /// <summary>The box colour of each kind (yellow for background: the one to look at for missing labels).</summary>
    public static SKColor Colour(DetectionErrorKind kind) => kind switch
    {
        DetectionErrorKind.Background => new SKColor(255, 220, 0),
        DetectionErrorKind.Localization => new SKColor(0, 130, 200),
        DetectionErrorKind.Duplicate => new SKColor(145, 30, 180),
        DetectionErrorKind.Confusion => new SKColor(230, 25, 75),
        _ => new SKColor(245, 130, 48),
    };
}
