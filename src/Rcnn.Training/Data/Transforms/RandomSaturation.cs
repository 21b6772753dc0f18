namespace Rcnn.Training.Data.Transforms;

/// <summary>
/// detectron2's RandomSaturation: blends with the grey image 0.299 R + 0.587 G + 0.114 B, w ~ U(min, max) on the image.
/// The weights follow the buffer's real channel order (detectron2 applies them as if the image were RGB whatever FORMAT is).
/// </summary>
public sealed class RandomSaturation(double intensityMin, double intensityMax) : Augmentation
{
    public override Transform GetTransform(ImageBuffer image, Random rng)
    {
        double w = Uniform(rng, intensityMin, intensityMax);
        var d = image.Data;
        var (wr, wb) = (0.299, 0.114);
        var (c0, c2) = image.Format == "RGB" ? (wr, wb) : (wb, wr);
        var grey = new double[d.Length / 3];
        for (int i = 0; i < grey.Length; i++)
            grey[i] = c0 * d[3 * i] + 0.587 * d[3 * i + 1] + c2 * d[3 * i + 2];
        return new BlendTransform(grey, 1 - w, w);
    }
}
