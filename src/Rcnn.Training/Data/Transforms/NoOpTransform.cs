namespace Rcnn.Training.Data.Transforms;

public sealed class NoOpTransform : Transform
{
    public static NoOpTransform Instance { get; } = new();

    public override ImageBuffer ApplyImage(ImageBuffer image) => image;
}
