namespace Rcnn.Training.Data;

/// <summary>What loading one dataset kept, fixed and dropped; every non-zero fix count was also logged as a warning.</summary>
public sealed class DatasetSummary
{
    public required string Name { get; init; }
    public int Images { get; internal set; }
    public int Annotations { get; internal set; }
    public int CrowdAnnotations { get; internal set; }
    public int DifficultAnnotations { get; internal set; }
    public int ImagesWithoutAnnotations { get; internal set; }
    public int DroppedDegenerate { get; internal set; }
    public int DroppedOutside { get; internal set; }
    public int Clipped { get; internal set; }

    public override string ToString() =>
        $"Dataset '{Name}': {Images} images, {Annotations} annotations ({CrowdAnnotations} crowd, {DifficultAnnotations} difficult), " +
        $"{ImagesWithoutAnnotations} images without annotations; dropped {DroppedDegenerate} degenerate and {DroppedOutside} outside boxes, clipped {Clipped}.";
}
