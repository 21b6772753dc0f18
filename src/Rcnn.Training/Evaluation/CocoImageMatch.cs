namespace Rcnn.Training.Evaluation;

/// <summary>
/// The matching of one image and category within one area range (pycocotools' evaluateImg result), in the
/// order accumulation needs: detections by descending score, ground truths with the ignored ones last.
/// </summary>
internal sealed class CocoImageMatch
{
    public required double[] Scores { get; init; }

    /// <summary>[T, D]: the detection matched some gt (regular or ignored) at that IoU threshold.</summary>
    public required bool[,] DtMatched { get; init; }

    /// <summary>[T, D]: the detection counts neither as TP nor FP.</summary>
    public required bool[,] DtIgnored { get; init; }

    public required bool[] GtIgnored { get; init; }

    /// <summary>
    /// Greedy matching. <paramref name="dts"/> are already sorted by descending score (stable) and capped at the
    /// largest maxDet; <paramref name="ious"/>[d, g] follows that order and the gts' input order.
    /// Returns null when the image has neither gts nor detections of this category, as pycocotools does.
    /// </summary>
    public static CocoImageMatch? Match(
        IReadOnlyList<CocoGroundTruthObject> gts, IReadOnlyList<CocoDetection> dts, double[,] ious,
        double areaMin, double areaMax, IReadOnlyList<double> iouThresholds)
    {
        int g = gts.Count, d = dts.Count, t = iouThresholds.Count;
        if (g == 0 && d == 0) return null;

        var ignoredInRange = new bool[g];
        for (int j = 0; j < g; j++)
        {
            var area = gts[j].EffectiveArea;
            ignoredInRange[j] = gts[j].IsCrowd || gts[j].Ignore || area < areaMin || area > areaMax;
        }
        // Stable: regular gts first in input order, then the ignored ones; a regular match then stops the scan.
        var order = Enumerable.Range(0, g).OrderBy(j => ignoredInRange[j] ? 1 : 0).ToArray();
        var gtIg = order.Select(j => ignoredInRange[j]).ToArray();
        var crowd = order.Select(j => gts[j].IsCrowd).ToArray();

        var gtMatched = new bool[t, g];
        var dtMatched = new bool[t, d];
        var dtIg = new bool[t, d];
        if (g > 0 && d > 0)
        {
            for (int ti = 0; ti < t; ti++)
            {
                for (int di = 0; di < d; di++)
                {
                    double best = Math.Min(iouThresholds[ti], 1 - 1e-10);
                    int m = -1;
                    for (int gi = 0; gi < g; gi++)
                    {
                        if (gtMatched[ti, gi] && !crowd[gi]) continue;
                        if (m > -1 && !gtIg[m] && gtIg[gi]) break;
                        double iou = ious[di, order[gi]];
                        if (iou < best) continue;
                        // ">=": on a tie the later gt wins, as in pycocotools.
                        best = iou;
                        m = gi;
                    }
                    if (m == -1) continue;
                    dtIg[ti, di] = gtIg[m];
                    dtMatched[ti, di] = true;
                    gtMatched[ti, m] = true;
                }
            }
        }
        // An unmatched detection whose own area is outside the range is not this range's false positive.
        for (int di = 0; di < d; di++)
        {
            double area = dts[di].Box.Area;
            if (area >= areaMin && area <= areaMax) continue;
            for (int ti = 0; ti < t; ti++)
                if (!dtMatched[ti, di]) dtIg[ti, di] = true;
        }
        return new CocoImageMatch
        {
            Scores = dts.Select(x => x.Score).ToArray(),
            DtMatched = dtMatched,
            DtIgnored = dtIg,
            GtIgnored = gtIg,
        };
    }
}
