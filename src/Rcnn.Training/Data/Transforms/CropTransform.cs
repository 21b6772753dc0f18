namespace Rcnn.Training.Data.Transforms;

/// <summary>Keeps the <c>width</c> x <c>height</c> window whose top-left pixel is (x0, y0); boxes move by (-x0, -y0) and
/// the mapper clips what falls outside.</summary>
public sealed class CropTransform : Transform
{
    public CropTransform(int x0, int y0, int width, int height)
    {
        if (x0 < 0 || y0 < 0) throw new ArgumentOutOfRangeException(nameof(x0), $"The crop origin must not be negative, got ({x0}, {y0}).");
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"The crop must not be empty, got {width}x{height}.");
        (X0, Y0, Width, Height) = (x0, y0, width, height);
    }

    public int X0 { get; }
    public int Y0 { get; }
    public int Width { get; }
    public int Height { get; }

    public override ImageBuffer ApplyImage(ImageBuffer image)
    {
        if (X0 + Width > image.Width || Y0 + Height > image.Height)
            throw new ArgumentException(
                $"The crop {Width}x{Height} at ({X0}, {Y0}) does not fit in an image of {image.Width}x{image.Height}.", nameof(image));
        int rowBytes = Width * 3, srcRowBytes = image.Width * 3;
        var dst = new byte[Height * rowBytes];
        for (int y = 0; y < Height; y++)
            Buffer.BlockCopy(image.Data, (Y0 + y) * srcRowBytes + X0 * 3, dst, y * rowBytes, rowBytes);
        return new ImageBuffer(dst, Height, Width, image.Format);
    }

    public override (double X0, double Y0, double X1, double Y1) ApplyBox((double X0, double Y0, double X1, double Y1) b) =>
        (b.X0 - X0, b.Y0 - Y0, b.X1 - X0, b.Y1 - Y0);
}
