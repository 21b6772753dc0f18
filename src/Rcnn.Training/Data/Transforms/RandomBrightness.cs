namespace Rcnn.Training.Data.Transforms;

/// <summary>detectron2's RandomBrightness: scales every value by w ~ U(min, max) (a blend with black).</summary>
public sealed class RandomBrightness(double intensityMin, double intensityMax) : Augmentation
{
    public override Transform GetTransform(ImageBuffer image, Random rng)
    {
        double w = Uniform(rng, intensityMin, intensityMax);
        return new BlendTransform(0.0, 1 - w, w);
    }
}
