namespace Rcnn.Training.Evaluation;

/// <summary>
/// One annotated object. <paramref name="Area"/> defaults to the box area (what detectron2's convert_to_coco_json
/// writes when there is no mask). A crowd region is ignored and may absorb any number of detections, its IoU being
/// intersection over detection area. <paramref name="Ignore"/> (e.g. VOC "difficult") marks a regular box whose
/// matches count neither as TP nor FP and which is not in the recall denominator, as pycocotools' gt "ignore" flag
/// intends; unlike a crowd it uses the ordinary IoU and absorbs at most one detection.
/// </summary>
public sealed record CocoGroundTruthObject(CocoBox Box, int CategoryId, bool IsCrowd = false, double? Area = null, bool Ignore = false)
{
    /// <summary>The area used for the small/medium/large ranges.</summary>
    public double EffectiveArea => Area ?? Box.Area;
}
