namespace Rcnn.MLNet.Scoring;

/// <summary>
/// The value names of the exported detector's FlatPixels graph (see the ONNX contract in Rcnn.Onnx) and the internal
/// column names of the scoring chain. OnnxTransformer binds columns to graph values by name, so while a row is scored
/// these names are taken: an input column with one of them is hidden for the rest of the chain.
/// </summary>
public static class DetectorOnnxNames
{
    public const string Pixels = "pixels";
    public const string Height = "height";
    public const string Width = "width";
    public const string Boxes = "boxes";
    public const string Scores = "scores";
    public const string Labels = "labels";
    public const string LabelNames = "label_names";

    /// <summary>The copy of the user's image column that the pixel mapping reads (a CustomMapping binds by a fixed name).</summary>
    public const string ScoringImage = "RcnnScoringImage";

    public static IReadOnlyList<string> Reserved { get; } = [Pixels, Height, Width, Boxes, Scores, Labels, LabelNames, ScoringImage];
}
