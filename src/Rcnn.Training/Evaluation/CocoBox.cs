namespace Rcnn.Training.Evaluation;

/// <summary>
/// A box in COCO's layout: top-left corner plus width and height, in absolute pixels (detectron2's XYWH_ABS).
/// Kept in double because pycocotools computes IoU and areas in double.
/// </summary>
public readonly record struct CocoBox(double X, double Y, double Width, double Height)
{
    /// <summary>Width * height: the area pycocotools gives a bbox result, and our default ground-truth area.</summary>
    public double Area => Width * Height;

    /// <summary>Converts a corner box (x0, y0, x1, y1) as the model predicts it.</summary>
    public static CocoBox FromXyxy(double x0, double y0, double x1, double y1) => new(x0, y0, x1 - x0, y1 - y0);

    internal void Validate(string paramName)
    {
        if (!double.IsFinite(X) || !double.IsFinite(Y) || !double.IsFinite(Width) || !double.IsFinite(Height))
            throw new ArgumentException($"Box {this} has a non-finite coordinate.", paramName);
        if (Width < 0 || Height < 0)
            throw new ArgumentException($"Box {this} has a negative width or height.", paramName);
    }
}
