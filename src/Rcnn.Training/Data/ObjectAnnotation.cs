namespace Rcnn.Training.Data;

/// <summary>
/// One object: an absolute XYXY box in image pixels (0-based, exclusive right/bottom edge as detectron2's XYXY_ABS),
/// its contiguous category id (0..K-1), whether it is a crowd region (never a training target) and VOC's difficult flag.
/// </summary>
public sealed record ObjectAnnotation(double X0, double Y0, double X1, double Y1, int CategoryId, bool IsCrowd = false, bool Difficult = false)
{
    public double BoxWidth => X1 - X0;
    public double BoxHeight => Y1 - Y0;
}
