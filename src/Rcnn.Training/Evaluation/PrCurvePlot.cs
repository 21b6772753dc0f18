using System.Globalization;
using Rcnn.Training.Visualization;
using ScottPlot;

namespace Rcnn.Training.Evaluation;

/// <summary>Precision-recall curves from a COCO evaluation's precision array (area "all", the largest maxDet).</summary>
public static class PrCurvePlot
{
    /// <summary>
    /// Writes one PNG per category that has ground truth, named "pr_&lt;category&gt;.png", with the curves at IoU
    /// 0.50 and 0.75. Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> SavePerCategory(CocoEvalResult result, string directory, int width = 640, int height = 480)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        for (int k = 0; k < result.Categories.Count; k++)
        {
            var series = new List<LineSeries>();
            foreach (var iou in new[] { 0.5, 0.75 })
            {
                int t = result.IouIndex(iou);
                var curve = result.PrecisionCurve(t, k);
                if (curve[0] < 0) continue; // no gt for this category: pycocotools leaves -1
                series.Add(new LineSeries(Label(iou, curve), result.Params.RecallThresholds, curve));
            }
            if (series.Count == 0) continue;
            var name = result.Categories[k].Name;
            var path = Path.Combine(directory, $"pr_{SafeFileName(name)}.png");
            LinePlot.SavePng(path, $"Precision-recall: {name}", "recall", "precision", series, width, height, (0, 1), (0, 1.02), Alignment.LowerLeft);
            written.Add(path);
        }
        return written;
    }

    /// <summary>All categories with ground truth in one PNG at one IoU threshold (0.50 by default).</summary>
    public static void SaveAllCategories(CocoEvalResult result, string path, double iou = 0.5, int width = 800, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(result);
        int t = result.IouIndex(iou);
        if (t < 0)
            throw new ArgumentException($"IoU {iou} is not one of the thresholds [{string.Join(", ", result.Params.IouThresholds)}].", nameof(iou));
        var series = new List<LineSeries>();
        for (int k = 0; k < result.Categories.Count; k++)
        {
            var curve = result.PrecisionCurve(t, k);
            if (curve[0] < 0) continue;
            series.Add(new LineSeries($"{result.Categories[k].Name} ({Ap(curve)})", result.Params.RecallThresholds, curve));
        }
        if (series.Count == 0) throw new ArgumentException("No category has ground truth, so there is no curve to draw.", nameof(result));
        var title = string.Create(CultureInfo.InvariantCulture, $"Precision-recall at IoU={iou:0.00}");
        LinePlot.SavePng(path, title, "recall", "precision", series, width, height, (0, 1), (0, 1.02), Alignment.LowerLeft);
    }

    private static string Label(double iou, double[] curve) =>
        string.Create(CultureInfo.InvariantCulture, $"IoU={iou:0.00} (AP {Ap(curve)})");

    // The AP at one IoU is the mean of the 101 sampled precisions.
    private static string Ap(double[] curve) => curve.Average().ToString("0.000", CultureInfo.InvariantCulture);

    private static string SafeFileName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var chars = name.Select(c => invalid.Contains(c) || char.IsWhiteSpace(c) ? '_' : c).ToArray();
        return new string(chars);
    }
}
