namespace Rcnn.Training.Data.Transforms;

/// <summary>detectron2's RandomContrast: blends with the image's overall mean, w ~ U(min, max) on the image.</summary>
public sealed class RandomContrast(double intensityMin, double intensityMax) : Augmentation
{
    public override Transform GetTransform(ImageBuffer image, Random rng)
    {
        double w = Uniform(rng, intensityMin, intensityMax);
        long sum = 0;
        foreach (byte b in image.Data) sum += b;
        return new BlendTransform((double)sum / image.Data.Length, 1 - w, w);
    }
}
