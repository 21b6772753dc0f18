using Rcnn.Training.Data;
using SkiaSharp;

namespace Rcnn.Training.Tests.Data;

/// <summary>Paths to the bundled BCCD, a temp folder per test, image writers and a log that remembers its lines.</summary>
internal static class DataTestFiles
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string BccdRoot => Path.Combine(RepoRoot, "datasets", "bccd", "BCCD");

    public static string BccdImage(string id) => Path.Combine(BccdRoot, "JPEGImages", id + ".jpg");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Rcnn.MLNet.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Rcnn.MLNet.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Encodes an image whose pixel (x, y) is <paramref name="color"/>(x, y) as PNG (lossless) or JPEG.</summary>
    public static byte[] Encode(int width, int height, Func<int, int, SKColor> color, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = new SKColor[width * height];
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            pixels[y * width + x] = color(x, y);
        bitmap.Pixels = pixels;
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 95);
        return data.ToArray();
    }

    public static string WriteImage(string path, int width, int height, Func<int, int, SKColor> color,
        SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Encode(width, height, color, format));
        return path;
    }
}

internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "rcnn-data-tests", Guid.NewGuid().ToString("N"));

    public string At(string relative) => System.IO.Path.Combine(Root, relative);

    public string Write(string relative, string text)
    {
        var p = At(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}

internal sealed class ListLog : IDatasetLog
{
    public List<string> Infos { get; } = [];
    public List<string> Warnings { get; } = [];

    public void Info(string message) { lock (this) Infos.Add(message); }
    public void Warning(string message) { lock (this) Warnings.Add(message); }
}
