namespace Rcnn.MLNet.Data;

/// <summary>
/// One image of a loaded dataset in the column contract of <c>DetectObjects</c>: <c>ImagePath</c> (full path, for
/// <c>LoadImages("Image", "", "ImagePath")</c>), <c>Label</c> (class names, one per object; for <c>MapValueToKey</c>)
/// and <c>Box</c> (x0, y0, x1, y1 per object, image pixels, exclusive right/bottom edge).
/// </summary>
public sealed class DetectionDatasetRow
{
    public string ImagePath { get; set; } = "";
    public string[] Label { get; set; } = [];
    public float[] Box { get; set; } = [];
}
