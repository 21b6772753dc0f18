using System.Runtime.CompilerServices;
namespace Rcnn.Training.Data.Transforms;

/// <summary>Mirrors left-right; a box [x0, x1] becomes [W - x1, W - x0].</summary>
public sealed class HFlipTransform(int width) : Transform
{
    public int Width { get; } = width;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override ImageBuffer ApplyImage(ImageBuffer image)
    {
        if (image.Width != Width) throw new ArgumentException($"HFlipTransform was made for width {Width}, got an image of width {image.Width}.", nameof(image));
        var src = image.Data;
        var dst = new byte[src.Length];
        int w = image.Width;
        for (int y = 0; y < image.Height; y++)
        {
            int row = y * w * 3;
            for (int x = 0, s = row + (w - 1) * 3, d = row; x < w; x++, s -= 3, d += 3)
            {
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }
        return new ImageBuffer(dst, image.Height, w, image.Format);
    }

    public override (double X0, double Y0, double X1, double Y1) ApplyBox((double X0, double Y0, double X1, double Y1) b) =>
        (Width - b.X1, b.Y0, Width - b.X0, b.Y1);
}
