using System.Runtime.CompilerServices;

namespace Rcnn.Training.Data.Transforms;

/// <summary>
/// Resizes (h, w) to (newH, newW) with PIL's bilinear filter, which detectron2 uses for uint8 images: a triangle filter
/// whose support widens with the downscale factor (antialiasing), horizontal pass then vertical, each rounded to 8 bits.
/// Boxes are scaled by newW / w and newH / h.
/// </summary>
public sealed class ResizeTransform : Transform
{
    public ResizeTransform(int height, int width, int newHeight, int newWidth)
    {
        if (height <= 0 || width <= 0 || newHeight <= 0 || newWidth <= 0)
            throw new ArgumentOutOfRangeException(nameof(newHeight), $"Resize sizes must be positive, got {height}x{width} -> {newHeight}x{newWidth}.");
        (Height, Width, NewHeight, NewWidth) = (height, width, newHeight, newWidth);
    }

    public int Height { get; }
    public int Width { get; }
    public int NewHeight { get; }
    public int NewWidth { get; }

    public override ImageBuffer ApplyImage(ImageBuffer image)
    {
        if (image.Height != Height || image.Width != Width)
            throw new ArgumentException($"ResizeTransform was made for {Height}x{Width}, got an image of {image.Height}x{image.Width}.", nameof(image));
        if (NewHeight == Height && NewWidth == Width) return image;
        byte[] data = image.Data;
        int w = Width;
        if (NewWidth != Width)
        {
            data = ResizeAxis(data, Height, Width, NewWidth, horizontal: true);
            w = NewWidth;
        }
        if (NewHeight != Height) data = ResizeAxis(data, Height, w, NewHeight, horizontal: false);
        return new ImageBuffer(data, NewHeight, NewWidth, image.Format);
    }

    public override (double X0, double Y0, double X1, double Y1) ApplyBox((double X0, double Y0, double X1, double Y1) b)
    {
        double sx = (double)NewWidth / Width, sy = (double)NewHeight / Height;
        return (b.X0 * sx, b.Y0 * sy, b.X1 * sx, b.Y1 * sy);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] ResizeAxis(byte[] src, int h, int w, int outSize, bool horizontal)
    {
        int inSize = horizontal ? w : h;
        var (first, count, weights, taps) = Coefficients(inSize, outSize);
        return horizontal ? Horizontal(src, h, w, outSize, first, count, weights, taps) : Vertical(src, w, outSize, first, count, weights, taps);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] Horizontal(byte[] src, int h, int w, int ow, int[] first, int[] count, double[] weights, int taps)
    {
        var dst = new byte[h * ow * 3];
        for (int y = 0; y < h; y++)
        {
            int srcRow = y * w * 3, dstRow = y * ow * 3;
            for (int x = 0; x < ow; x++)
            {
                double a0 = 0, a1 = 0, a2 = 0;
                int s = srcRow + first[x] * 3, wi = x * taps;
                for (int k = 0; k < count[x]; k++, s += 3)
                {
                    double wk = weights[wi + k];
                    a0 += wk * src[s];
                    a1 += wk * src[s + 1];
                    a2 += wk * src[s + 2];
                }
                int d = dstRow + x * 3;
                dst[d] = ToByte(a0);
                dst[d + 1] = ToByte(a1);
                dst[d + 2] = ToByte(a2);
            }
        }
        return dst;
    }

    // Row by row, so every tap reads a whole source row sequentially.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] Vertical(byte[] src, int w, int oh, int[] first, int[] count, double[] weights, int taps)
    {
        int rowLen = w * 3;
        var dst = new byte[oh * rowLen];
        var acc = new double[rowLen];
        for (int y = 0; y < oh; y++)
        {
            Array.Clear(acc);
            for (int k = 0; k < count[y]; k++)
            {
                double wk = weights[y * taps + k];
                int s = (first[y] + k) * rowLen;
                for (int i = 0; i < rowLen; i++) acc[i] += wk * src[s + i];
            }
            int d = y * rowLen;
            for (int i = 0; i < rowLen; i++) dst[d + i] = ToByte(acc[i]);
        }
        return dst;
    }

    private static byte ToByte(double v) => v <= 0 ? (byte)0 : v >= 254.5 ? (byte)255 : (byte)(v + 0.5);

    /// <summary>Per output pixel: the first source pixel, the number of taps and their normalised triangle weights.</summary>
    private static (int[] First, int[] Count, double[] Weights, int Taps) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterScale; // bilinear's support is 1 input pixel, widened when shrinking
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var first = new int[outSize];
        var count = new int[outSize];
        var weights = new double[outSize * taps];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min(Math.Min((int)(center + support + 0.5), inSize) - xmin, taps);
            double total = 0;
            for (int k = 0; k < xmax; k++)
            {
                double d = Math.Abs((k + xmin - center + 0.5) / filterScale);
                double wk = d < 1 ? 1 - d : 0;
                weights[o * taps + k] = wk;
                total += wk;
            }
            if (total > 0)
                for (int k = 0; k < taps; k++) weights[o * taps + k] /= total;
            first[o] = xmin;
            count[o] = xmax;
        }
        return (first, count, weights, taps);
    }
}
