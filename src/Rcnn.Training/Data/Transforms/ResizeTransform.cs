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

    private static byte[] ResizeAxis(byte[] src, int h, int w, int outSize, bool horizontal)
    {
        int inSize = horizontal ? w : h;
        var (first, count, weights, taps) = Coefficients(inSize, outSize);
        int oh = horizontal ? h : outSize, ow = horizontal ? outSize : w;
        var dst = new byte[oh * ow * 3];
        // Source step between neighbouring taps: one pixel in a row, or one row.
        int step = horizontal ? 3 : w * 3;
        for (int y = 0; y < oh; y++)
        {
            for (int x = 0; x < ow; x++)
            {
                int o = horizontal ? x : y;
                int baseIndex = horizontal ? (y * w + first[o]) * 3 : (first[o] * w + x) * 3;
                for (int c = 0; c < 3; c++)
                {
                    double acc = 0;
                    int s = baseIndex + c;
                    for (int k = 0; k < count[o]; k++, s += step) acc += weights[o * taps + k] * src[s];
                    int v = (int)Math.Floor(acc + 0.5);
                    dst[(y * ow + x) * 3 + c] = (byte)Math.Clamp(v, 0, 255);
                }
            }
        }
        return dst;
    }

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
