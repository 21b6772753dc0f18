namespace Rcnn.Training.Data.Transforms;

/// <summary>detectron2's RandomFlip: flips with probability <c>prob</c>, horizontally or vertically.</summary>
public sealed class RandomFlip : Augmentation
{
    public RandomFlip(double prob = 0.5, bool horizontal = true, bool vertical = false)
    {
        if (prob is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(prob), prob, "prob must lie in [0, 1].");
        if (horizontal == vertical) throw new ArgumentException("Exactly one of horizontal and vertical must be set.", nameof(horizontal));
        (Prob, Horizontal) = (prob, horizontal);
    }

    public double Prob { get; }
    public bool Horizontal { get; }

    public override string ToString() =>
        $"RandomFlip(prob={Prob.ToString(System.Globalization.CultureInfo.InvariantCulture)}, horizontal={(Horizontal ? "True" : "False")}, vertical={(Horizontal ? "False" : "True")})";

    public override Transform GetTransform(ImageBuffer image, Random rng)
    {
        if (rng.NextDouble() >= Prob) return NoOpTransform.Instance;
        return Horizontal ? new HFlipTransform(image.Width) : new VFlipTransform(image.Height);
    }
}
