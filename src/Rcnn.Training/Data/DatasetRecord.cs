namespace Rcnn.Training.Data;

/// <summary>
/// One image of a dataset in detectron2's standard dict form: the image file, its (EXIF-oriented) size, an id, and its
/// annotations with absolute XYXY boxes and contiguous category ids.
/// </summary>
public sealed record DatasetRecord(
    string FileName,
    int Height,
    int Width,
    string ImageId,
    IReadOnlyList<ObjectAnnotation> Annotations)
{
    /// <summary>True when at least one annotation is a training target (not crowd), as detectron2's empty-image filter asks.</summary>
    public bool HasNonCrowdAnnotations => Annotations.Any(a => !a.IsCrowd);
}
