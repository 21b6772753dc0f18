namespace Rcnn.Training.Evaluation;

/// <summary>
/// One evaluated image and its annotations. An image with no objects still counts: detections on it are false positives.
/// Width, height and file name only matter for the ground-truth JSON.
/// </summary>
public sealed record CocoImage(long Id, IReadOnlyList<CocoGroundTruthObject> Objects, int Width = 0, int Height = 0, string? FileName = null);
