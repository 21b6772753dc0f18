namespace Rcnn.Training.Evaluation;

/// <summary>
/// A detection that matched no object of its class at the IoU threshold (and no ignored or crowd region), with why:
/// its best IoU with an object of its own class and with one of any other class (<paramref name="OtherCategoryId"/>,
/// null when none overlaps).
/// </summary>
public sealed record CocoFalsePositive(CocoDetection Detection, DetectionErrorKind Kind, double BestIouSameClass,
    double BestIouOtherClass, int? OtherCategoryId);
