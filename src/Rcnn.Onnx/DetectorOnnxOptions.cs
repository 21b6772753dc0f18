namespace Rcnn.Onnx;

/// <summary>Options of <see cref="DetectorOnnxExporter"/>; unset values come from the model's config.</summary>
public sealed class DetectorOnnxOptions
{
    public OnnxInputLayout InputLayout { get; set; } = OnnxInputLayout.Image;

    /// <summary>One name per class (MODEL.ROI_HEADS.NUM_CLASSES); default class_0 .. class_{n-1}.</summary>
    public IReadOnlyList<string>? ClassNames { get; set; }

    /// <summary>Overrides MODEL.ROI_HEADS.SCORE_THRESH_TEST (a detection needs a score strictly above it).</summary>
    public float? ScoreThreshold { get; set; }

    /// <summary>Overrides MODEL.ROI_HEADS.NMS_THRESH_TEST.</summary>
    public float? NmsThreshold { get; set; }

    /// <summary>Overrides TEST.DETECTIONS_PER_IMAGE.</summary>
    public int? DetectionsPerImage { get; set; }
}
