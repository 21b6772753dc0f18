namespace Rcnn.Training.Data.Transforms;

/// <summary>
/// detectron2's ResizeShortestEdge: the short side becomes a length drawn from <c>shortEdgeLengths</c> ("choice": one of
/// them; "range": an integer in [min, max]), the long side follows, both shrink together if the long side would exceed
/// <c>maxSize</c>, and each is rounded with int(x + 0.5). A drawn length of 0 leaves the image alone.
/// </summary>
public sealed class ResizeShortestEdge : Augmentation
{
    public ResizeShortestEdge(IReadOnlyList<int> shortEdgeLengths, int maxSize, string sampleStyle = "choice")
    {
        ArgumentNullException.ThrowIfNull(shortEdgeLengths);
        if (sampleStyle is not ("choice" or "range"))
            throw new ArgumentException($"sampleStyle must be 'choice' or 'range', got '{sampleStyle}'.", nameof(sampleStyle));
        if (shortEdgeLengths.Count == 0 || shortEdgeLengths.Any(l => l < 0))
            throw new ArgumentException($"shortEdgeLengths must be non-negative and non-empty, got [{string.Join(", ", shortEdgeLengths)}].", nameof(shortEdgeLengths));
        if (sampleStyle == "range" && shortEdgeLengths.Count != 2)
            throw new ArgumentException($"'range' sampling needs exactly [min, max], got [{string.Join(", ", shortEdgeLengths)}].", nameof(shortEdgeLengths));
        if (maxSize <= 0) throw new ArgumentOutOfRangeException(nameof(maxSize), maxSize, "maxSize must be positive.");
        ShortEdgeLengths = shortEdgeLengths.ToArray();
        MaxSize = maxSize;
        SampleStyle = sampleStyle;
    }

    public IReadOnlyList<int> ShortEdgeLengths { get; }
    public int MaxSize { get; }
    public string SampleStyle { get; }

    public override string ToString() =>
        $"ResizeShortestEdge(short_edge_length={Config.PyLiteral.Repr(ShortEdgeLengths.ToList())}, max_size={MaxSize}, sample_style='{SampleStyle}')";

    public override Transform GetTransform(ImageBuffer image, Random rng)
    {
        int size = SampleStyle == "range"
            ? rng.Next(ShortEdgeLengths[0], ShortEdgeLengths[1] + 1)
            : ShortEdgeLengths[rng.Next(ShortEdgeLengths.Count)];
        if (size == 0) return NoOpTransform.Instance;
        var (newH, newW) = GetOutputShape(image.Height, image.Width, size, MaxSize);
        return new ResizeTransform(image.Height, image.Width, newH, newW);
    }

    public static (int Height, int Width) GetOutputShape(int height, int width, int shortEdge, int maxSize)
    {
        double scale = (double)shortEdge / Math.Min(height, width);
        double newH, newW;
        if (height < width) (newH, newW) = (shortEdge, scale * width);
        else (newH, newW) = (scale * height, shortEdge);
        double longer = Math.Max(newH, newW);
        if (longer > maxSize)
        {
            double s = maxSize / longer;
            newH *= s;
            newW *= s;
        }
        return ((int)(newH + 0.5), (int)(newW + 0.5));
    }
}
