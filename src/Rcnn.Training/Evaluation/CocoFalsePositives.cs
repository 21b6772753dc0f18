namespace Rcnn.Training.Evaluation;

/// <summary>
/// The false positives of a COCO evaluation at one IoU threshold (area "all", the largest maxDet), found by the same
/// greedy matching as <see cref="CocoEvaluator"/>, each with its <see cref="DetectionErrorKind"/>. Looking at the
/// highest-scoring ones is how missing labels and systematic errors show up; AP alone hides them.
/// </summary>
public static class CocoFalsePositives
{
    /// <summary>Below this IoU a detection does not touch an object (TIDE's background threshold).</summary>
    public const double BackgroundIou = 0.1;

    /// <summary>The false positives at <paramref name="iouThreshold"/>, highest score first.</summary>
    public static IReadOnlyList<CocoFalsePositive> Find(CocoGroundTruth groundTruth, IEnumerable<CocoDetection> detections,
        double iouThreshold = 0.5, CocoEvalParams? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(detections);
        if (!(iouThreshold > 0 && iouThreshold <= 1)) throw new ArgumentOutOfRangeException(nameof(iouThreshold), iouThreshold, "must be in (0, 1].");
        var p = parameters ?? new CocoEvalParams();
        var (_, areaMin, areaMax) = p.AreaRanges[0];
        int maxDet = p.MaxDets[^1];
        var images = groundTruth.Images.ToDictionary(i => i.Id);
        var categories = groundTruth.Categories.Select(c => c.Id).ToHashSet();
        var found = new List<CocoFalsePositive>();
        foreach (var group in detections.GroupBy(d => (d.ImageId, d.CategoryId)))
        {
            if (!images.TryGetValue(group.Key.ImageId, out var image))
                throw new ArgumentException($"A detection is on image {group.Key.ImageId}, which the ground truth does not list.", nameof(detections));
            if (!categories.Contains(group.Key.CategoryId))
                throw new ArgumentException($"A detection has category {group.Key.CategoryId}, which the ground truth does not list.", nameof(detections));
            var gts = image.Objects.Where(o => o.CategoryId == group.Key.CategoryId).ToList();
            var dts = group.OrderByDescending(d => d.Score).Take(maxDet).ToArray();
            var ious = new double[dts.Length, gts.Count];
            for (int di = 0; di < dts.Length; di++)
                for (int gi = 0; gi < gts.Count; gi++)
                    ious[di, gi] = CocoBoxIou.Compute(dts[di].Box, gts[gi].Box, gts[gi].IsCrowd);
            var match = CocoImageMatch.Match(gts, dts, ious, areaMin, areaMax, [iouThreshold])!;
            for (int di = 0; di < dts.Length; di++)
            {
                if (match.DtMatched[0, di] || match.DtIgnored[0, di]) continue;
                found.Add(Classify(dts[di], image, iouThreshold));
            }
        }
        // Stable on ties: by score, then image and category as grouped.
        return found.OrderByDescending(f => f.Detection.Score).ToList();
    }

    /// <summary>How many of <paramref name="falsePositives"/> there are of each kind (every kind listed).</summary>
    public static IReadOnlyDictionary<DetectionErrorKind, int> CountByKind(IEnumerable<CocoFalsePositive> falsePositives) =>
        Enum.GetValues<DetectionErrorKind>().ToDictionary(k => k, k => falsePositives.Count(f => f.Kind == k));

    private static CocoFalsePositive Classify(CocoDetection d, CocoImage image, double t)
    {
        double same = 0, other = 0;
        int? otherCategory = null;
        foreach (var o in image.Objects)
        {
            // Crowd and ignored regions absorb detections in matching; here only labelled objects explain an error.
            if (o.IsCrowd || o.Ignore) continue;
            double iou = CocoBoxIou.Compute(d.Box, o.Box, crowd: false);
            if (o.CategoryId == d.CategoryId) same = Math.Max(same, iou);
            else if (iou > other)
            {
                other = iou;
                otherCategory = o.CategoryId;
            }
        }
        var kind = same >= t ? DetectionErrorKind.Duplicate
            : other >= t ? DetectionErrorKind.Confusion
            : same >= BackgroundIou ? DetectionErrorKind.Localization
            : other >= BackgroundIou ? DetectionErrorKind.Both
            : DetectionErrorKind.Background;
        return new CocoFalsePositive(d, kind, same, other, otherCategory);
    }
}
