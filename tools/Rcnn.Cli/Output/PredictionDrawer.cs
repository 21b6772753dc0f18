using Rcnn.Training.Visualization;
using SkiaSharp;

namespace Rcnn.Cli.Output;

/// <summary>Draws predicted boxes with class label and score onto the image and saves it (JPEG or PNG by extension).</summary>
public static class PredictionDrawer
{
    private static readonly SKColor[] Palette =
    [
        new(230, 25, 75), new(60, 180, 75), new(0, 130, 200), new(245, 130, 48), new(145, 30, 180),
        new(70, 240, 240), new(240, 50, 230), new(210, 245, 60), new(0, 128, 128), new(170, 110, 40),
    ];

    public static void Save(ImagePrediction p, string path)
    {
        var img = p.Image;
        using var bitmap = SkiaBitmaps.FromImage(img);
        using (var canvas = new SKCanvas(bitmap))
        {
            float stroke = Math.Max(1.5f, Math.Min(img.Width, img.Height) / 300f);
            using var font = new SKFont(SKTypeface.Default, Math.Max(10f, stroke * 6));
            foreach (var d in p.Detections.OrderBy(d => d.Score))
            {
                var color = Palette[((d.ClassId % Palette.Length) + Palette.Length) % Palette.Length];
                using var box = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true };
                canvas.DrawRect(SKRect.Create(d.X0, d.Y0, d.X1 - d.X0, d.Y1 - d.Y0), box);
                string text = $"{d.Label} {d.Score:0.00}";
                float w = font.MeasureText(text);
                using var fill = new SKPaint { Color = color.WithAlpha(200), Style = SKPaintStyle.Fill };
                float top = Math.Max(0, d.Y0 - font.Size - 2);
                canvas.DrawRect(SKRect.Create(d.X0, top, w + 4, font.Size + 2), fill);
                using var ink = new SKPaint { Color = SKColors.White, IsAntialias = true };
                canvas.DrawText(text, d.X0 + 2, top + font.Size - 1, font, ink);
            }
        }
        var format = path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg;
        using var data = bitmap.Encode(format, 90);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
