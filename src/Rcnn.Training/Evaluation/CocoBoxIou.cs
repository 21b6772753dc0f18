namespace Rcnn.Training.Evaluation;

/// <summary>pycocotools' box overlap (maskApi bbIou): IoU, or intersection over the detection's area for a crowd gt.</summary>
internal static class CocoBoxIou
{
    public static double Compute(in CocoBox det, in CocoBox gt, bool crowd)
    {
        double w = Math.Min(det.X + det.Width, gt.X + gt.Width) - Math.Max(det.X, gt.X);
        if (w <= 0) return 0;
        double h = Math.Min(det.Y + det.Height, gt.Y + gt.Height) - Math.Max(det.Y, gt.Y);
        if (h <= 0) return 0;
        double inter = w * h;
        double detArea = det.Width * det.Height;
        double union = crowd ? detArea : detArea + gt.Width * gt.Height - inter;
        return inter / union;
    }
}
