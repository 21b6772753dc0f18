namespace Rcnn.Training.Data.Transforms;

/// <summary>
/// A deterministic image transform with its parameters fixed (detectron2's fvcore <c>Transform</c>): applied to the image
/// and, consistently, to boxes in absolute XYXY.
/// </summary>
public abstract class Transform
{
    public abstract ImageBuffer ApplyImage(ImageBuffer image);

    /// <summary>Photometric transforms leave boxes alone.</summary>
    public virtual (double X0, double Y0, double X1, double Y1) ApplyBox((double X0, double Y0, double X1, double Y1) box) => box;
}
