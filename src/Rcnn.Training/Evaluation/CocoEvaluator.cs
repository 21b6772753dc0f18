using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Rcnn.Training.Evaluation;

/// <summary>
/// COCO box evaluation with pycocotools' COCOeval semantics (evaluate, accumulate, summarize), in plain C#.
/// </summary>
public static class CocoEvaluator
{
    // np.spacing(1): pycocotools adds it to the precision denominator, so a perfect detector scores 1 - 2^-52.
    private static readonly double Spacing1 = Math.BitIncrement(1.0) - 1.0;

    /// <summary>
    /// Evaluates <paramref name="detections"/> against <paramref name="groundTruth"/>. Detections keep their input
    /// order among equal scores (pycocotools sorts stably). A detection on an image or category that the ground
    /// truth does not list is rejected (pycocotools asserts on unknown images and silently drops unknown categories;
    /// the latter is almost always an id-mapping bug, so it is an error here).
    /// </summary>
    public static CocoEvalResult Evaluate(CocoGroundTruth groundTruth, IEnumerable<CocoDetection> detections, CocoEvalParams? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(detections);
        var p = parameters ?? new CocoEvalParams();

        var images = groundTruth.Images.OrderBy(i => i.Id).ToArray();
        var categories = groundTruth.Categories.OrderBy(c => c.Id).ToArray();
        var imageIndex = images.Select((img, i) => (img.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var catIndex = categories.Select((c, k) => (c.Id, k)).ToDictionary(x => x.Id, x => x.k);
        int nImg = images.Length, nCat = categories.Length;

        var gts = NewGrid<CocoGroundTruthObject>(nCat, nImg);
        for (int i = 0; i < nImg; i++)
            foreach (var o in images[i].Objects)
                gts[catIndex[o.CategoryId], i].Add(o);

        var dts = NewGrid<CocoDetection>(nCat, nImg);
        foreach (var det in detections)
        {
            if (det is null) throw new ArgumentException("A detection is null.", nameof(detections));
            if (!imageIndex.TryGetValue(det.ImageId, out var i))
                throw new ArgumentException($"A detection is on image {det.ImageId}, which the ground truth does not list.", nameof(detections));
            if (!catIndex.TryGetValue(det.CategoryId, out var k))
                throw new ArgumentException($"A detection has category {det.CategoryId}, which the ground truth does not list.", nameof(detections));
            if (!double.IsFinite(det.Score))
                throw new ArgumentException($"A detection on image {det.ImageId} has score {det.Score}.", nameof(detections));
            det.Box.Validate(nameof(detections));
            dts[k, i].Add(det);
        }

        int nArea = p.AreaRanges.Count;
        int maxDet = p.MaxDets[^1];
        var matches = new CocoImageMatch?[nCat, nArea, nImg];
        for (int k = 0; k < nCat; k++)
        {
            for (int i = 0; i < nImg; i++)
            {
                var g = gts[k, i];
                var d = dts[k, i].OrderByDescending(x => x.Score).Take(maxDet).ToArray();
                var ious = new double[d.Length, g.Count];
                for (int di = 0; di < d.Length; di++)
                    for (int gi = 0; gi < g.Count; gi++)
                        ious[di, gi] = CocoBoxIou.Compute(d[di].Box, g[gi].Box, g[gi].IsCrowd);
                for (int a = 0; a < nArea; a++)
                    matches[k, a, i] = CocoImageMatch.Match(g, d, ious, p.AreaRanges[a].Min, p.AreaRanges[a].Max, p.IouThresholds);
            }
        }

        var (precision, recall) = Accumulate(matches, p);
        return new CocoEvalResult(p, categories, images.Select(i => i.Id).ToArray(), precision, recall);
    }

    private static List<T>[,] NewGrid<T>(int rows, int cols)
    {
        var grid = new List<T>[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                grid[r, c] = [];
        return grid;
    }

    /// <summary>precision [T, R, K, A, M] and recall [T, K, A, M]; -1 where a setting has no regular gt.</summary>
    private static (double[,,,,] Precision, double[,,,] Recall) Accumulate(CocoImageMatch?[,,] matches, CocoEvalParams p)
    {
        int nT = p.IouThresholds.Count, nR = p.RecallThresholds.Count, nK = matches.GetLength(0);
        int nA = matches.GetLength(1), nI = matches.GetLength(2), nM = p.MaxDets.Count;
        var precision = new double[nT, nR, nK, nA, nM];
        var recall = new double[nT, nK, nA, nM];
        Fill(precision, -1);
        Fill(recall, -1);

        for (int k = 0; k < nK; k++)
        for (int a = 0; a < nA; a++)
        {
            var evals = new List<CocoImageMatch>();
            for (int i = 0; i < nI; i++)
                if (matches[k, a, i] is { } e) evals.Add(e);
            if (evals.Count == 0) continue;
            int npig = evals.Sum(e => e.GtIgnored.Count(ig => !ig));
            if (npig == 0) continue;

            for (int m = 0; m < nM; m++)
            {
                // Images in id order, each image's first maxDet detections, then one stable sort by score.
                var pooled = new List<(double Score, CocoImageMatch Eval, int Det)>();
                foreach (var e in evals)
                    for (int d = 0; d < Math.Min(p.MaxDets[m], e.Scores.Length); d++)
                        pooled.Add((e.Scores[d], e, d));
                var sorted = pooled.OrderByDescending(x => x.Score).ToArray();
                int nd = sorted.Length;

                for (int t = 0; t < nT; t++)
                {
                    var rc = new double[nd];
                    var pr = new double[nd];
                    double tp = 0, fp = 0;
                    for (int j = 0; j < nd; j++)
                    {
                        var (_, e, d) = sorted[j];
                        if (!e.DtIgnored[t, d])
                        {
                            if (e.DtMatched[t, d]) tp++;
                            else fp++;
                        }
                        rc[j] = tp / npig;
                        pr[j] = tp / (fp + tp + Spacing1);
                    }
                    recall[t, k, a, m] = nd > 0 ? rc[nd - 1] : 0;

                    // The envelope: precision at a recall is the best precision at that recall or beyond.
                    for (int j = nd - 1; j > 0; j--)
                        if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j];

                    for (int r = 0; r < nR; r++)
                    {
                        int idx = LowerBound(rc, p.RecallThresholds[r]);
                        // Past the reached recall every later threshold keeps 0 (pycocotools stops at the IndexError).
                        if (idx >= nd)
                        {
                            for (int rr = r; rr < nR; rr++) precision[t, rr, k, a, m] = 0;
                            break;
                        }
                        precision[t, r, k, a, m] = pr[idx];
                    }
                }
            }
        }
        return (precision, recall);
    }

    /// <summary>numpy searchsorted(side='left'): the first index whose value is &gt;= <paramref name="value"/>.</summary>
    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    // Multi-dimensional double arrays are one contiguous block; fill it as a span.
    private static void Fill(Array array, double value) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(array)), array.Length).Fill(value);
}
