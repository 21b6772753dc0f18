namespace Rcnn.Training.Data.Transforms;

/// <summary>detectron2's Augmentation: draws a concrete <see cref="Transform"/> for one image from a seeded RNG.</summary>
public abstract class Augmentation
{
    public abstract Transform GetTransform(ImageBuffer image, Random rng);

    protected static double Uniform(Random rng, double low, double high) => low + (high - low) * rng.NextDouble();
}
