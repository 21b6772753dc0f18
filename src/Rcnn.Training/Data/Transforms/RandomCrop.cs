namespace Rcnn.Training.Data.Transforms;

/// <summary>
/// detectron2's RandomCrop (INPUT.CROP): a window of the image at a uniformly drawn position. Its size, for an H x W
/// image and <c>cropSize</c> (a, b): "relative" int(H a + 0.5) x int(W b + 0.5); "relative_range" the same with a and b
/// drawn uniformly from [a, 1] and [b, 1]; "absolute" min(a, H) x min(b, W) pixels; "absolute_range" height and width
/// each an integer drawn from [min(a, side), min(b, side)].
/// </summary>
public sealed class RandomCrop : Augmentation
{
    public const string Relative = "relative", RelativeRange = "relative_range", Absolute = "absolute", AbsoluteRange = "absolute_range";

    public RandomCrop(string cropType, IReadOnlyList<double> cropSize)
    {
        ArgumentNullException.ThrowIfNull(cropSize);
        if (Problem(cropType, cropSize) is { } problem) throw new ArgumentException(problem, nameof(cropSize));
        CropType = cropType;
        CropSize = cropSize.ToArray();
    }

    /// <summary>Why <paramref name="cropType"/> cannot crop by <paramref name="cropSize"/>, or null when it can.</summary>
    public static string? Problem(string cropType, IReadOnlyList<double> cropSize)
    {
        if (cropType is not (Relative or RelativeRange or Absolute or AbsoluteRange))
            return $"the crop type must be relative, relative_range, absolute or absolute_range, got '{cropType}'";
        string sizes = $"[{string.Join(", ", cropSize.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";
        if (cropSize.Count != 2) return $"a crop size is two values, got {sizes}";
        if (cropType is Relative or RelativeRange)
            return cropSize.All(s => s > 0 && s <= 1) ? null : $"a {cropType} crop's sizes are fractions in (0, 1], got {sizes}";
        if (cropSize.Any(s => s < 1 || s != Math.Floor(s))) return $"an {cropType} crop's sizes are whole pixels >= 1, got {sizes}";
        return cropType == AbsoluteRange && cropSize[0] > cropSize[1]
            ? $"an absolute_range crop's sizes are [min, max] with min <= max, got {sizes}"
            : null;
    }

    public string CropType { get; }
    public IReadOnlyList<double> CropSize { get; }

    public override string ToString() => $"RandomCrop(crop_type='{CropType}', crop_size={Config.PyLiteral.Repr(CropSize.ToList())})";

    public override Transform GetTransform(ImageBuffer image, Random rng)
    {
        var (ch, cw) = GetCropSize(image.Height, image.Width, rng);
        int y0 = rng.Next(image.Height - ch + 1), x0 = rng.Next(image.Width - cw + 1);
        return new CropTransform(x0, y0, cw, ch);
    }

    /// <summary>The crop's (height, width) in pixels for an image of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public (int Height, int Width) GetCropSize(int height, int width, Random rng)
    {
        double a = CropSize[0], b = CropSize[1];
        switch (CropType)
        {
            case Relative:
                return (Round(height * a), Round(width * b));
            case RelativeRange:
                double fh = a + rng.NextDouble() * (1 - a), fw = b + rng.NextDouble() * (1 - b);
                return (Round(height * fh), Round(width * fw));
            case Absolute:
                return (Math.Min((int)a, height), Math.Min((int)b, width));
            default:
                int lo = (int)a, hi = (int)b;
                return (rng.Next(Math.Min(height, lo), Math.Min(height, hi) + 1), rng.Next(Math.Min(width, lo), Math.Min(width, hi) + 1));
        }
    }

    // int(x + 0.5), and never an empty crop of a tiny image.
    private static int Round(double x) => Math.Max(1, (int)(x + 0.5));
}
