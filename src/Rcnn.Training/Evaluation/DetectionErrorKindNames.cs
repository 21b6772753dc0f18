namespace Rcnn.Training.Evaluation;

/// <summary>The lower-case names of <see cref="DetectionErrorKind"/> used in false_positives.json, the gallery's captions
/// and the evaluation's summary line. Spelled out, not derived from the enum's names, because the JSON is a file format.</summary>
public static class DetectionErrorKindNames
{
    public static string Name(this DetectionErrorKind kind) => kind switch
    {
        DetectionErrorKind.Duplicate => "duplicate",
        DetectionErrorKind.Confusion => "confusion",
        DetectionErrorKind.Localization => "localization",
        DetectionErrorKind.Both => "both",
        DetectionErrorKind.Background => "background",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a detection error kind"),
    };
}
