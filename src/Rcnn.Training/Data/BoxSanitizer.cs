namespace Rcnn.Training.Data;

/// <summary>
/// Makes one image's boxes usable and says so: degenerate boxes (zero/negative width or height in the file's own
/// coordinates) and boxes wholly outside the image are dropped, boxes partly outside are clipped. Nothing is silent:
/// each kind of fix is one warning naming the file and the count, and is added to the dataset summary.
/// </summary>
internal static class BoxSanitizer
{
    /// <summary>A box as read, plus whether it was degenerate in the file's coordinates (VOC's are 1-based inclusive).</summary>
    internal readonly record struct RawBox(ObjectAnnotation Annotation, bool Degenerate);

    public static List<ObjectAnnotation> Sanitize(
        string sourceFile, int height, int width, IEnumerable<RawBox> boxes, DatasetSummary summary, IDatasetLog log)
    {
        var kept = new List<ObjectAnnotation>();
        int degenerate = 0, outside = 0, clipped = 0;
        foreach (var (a, isDegenerate) in boxes)
        {
            if (isDegenerate || a.BoxWidth <= 0 || a.BoxHeight <= 0) { degenerate++; continue; }
            if (a.X0 >= width || a.Y0 >= height || a.X1 <= 0 || a.Y1 <= 0) { outside++; continue; }
            if (a.X0 < 0 || a.Y0 < 0 || a.X1 > width || a.Y1 > height)
            {
                clipped++;
                kept.Add(a with
                {
                    X0 = Math.Max(a.X0, 0), Y0 = Math.Max(a.Y0, 0),
                    X1 = Math.Min(a.X1, width), Y1 = Math.Min(a.Y1, height),
                });
                continue;
            }
            kept.Add(a);
        }
        if (degenerate > 0)
            log.Warning($"{sourceFile}: dropped {degenerate} degenerate box(es) with zero or negative width/height.");
        if (outside > 0)
            log.Warning($"{sourceFile}: dropped {outside} box(es) lying wholly outside the {width}x{height} image.");
        if (clipped > 0)
            log.Warning($"{sourceFile}: clipped {clipped} box(es) reaching outside the {width}x{height} image.");
        summary.DroppedDegenerate += degenerate;
        summary.DroppedOutside += outside;
        summary.Clipped += clipped;
        summary.Images++;
        summary.Annotations += kept.Count;
        summary.CrowdAnnotations += kept.Count(k => k.IsCrowd);
        summary.DifficultAnnotations += kept.Count(k => k.Difficult);
        if (kept.Count == 0) summary.ImagesWithoutAnnotations++;
        return kept;
    }
}
