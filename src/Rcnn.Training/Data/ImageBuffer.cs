using System.Runtime.CompilerServices;
namespace Rcnn.Training.Data;

/// <summary>An 8-bit image, height x width x 3 interleaved (HWC), channels in <see cref="Format"/> order.</summary>
public sealed class ImageBuffer
{
    public ImageBuffer(byte[] data, int height, int width, string format = "RGB")
    {
        ArgumentNullException.ThrowIfNull(data);
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"Image size must be positive, got {height}x{width}.");
        if (data.Length != (long)height * width * 3)
            throw new ArgumentException($"Expected {height}x{width}x3 = {(long)height * width * 3} bytes, got {data.Length}.", nameof(data));
        if (format is not ("RGB" or "BGR")) throw new ArgumentException($"Format must be RGB or BGR, got '{format}'.", nameof(format));
        Data = data;
        Height = height;
        Width = width;
        Format = format;
    }

    public byte[] Data { get; }
    public int Height { get; }
    public int Width { get; }
    public string Format { get; }

    /// <summary>Byte of pixel (y, x), channel c.</summary>
    public byte this[int y, int x, int c] => Data[((long)y * Width + x) * 3 + c];

    /// <summary>This image with its channels in <paramref name="format"/> order (itself when already so).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ImageBuffer ToFormat(string format)
    {
        if (format == Format) return this;
        if (format is not ("RGB" or "BGR")) throw new ArgumentException($"Format must be RGB or BGR, got '{format}'.", nameof(format));
        var d = (byte[])Data.Clone();
        for (int i = 0; i < d.Length; i += 3) (d[i], d[i + 2]) = (d[i + 2], d[i]);
        return new ImageBuffer(d, Height, Width, format);
    }
}
