using System.Globalization;
using System.Text;

namespace Rcnn.Training.Evaluation;

/// <summary>
/// Accumulated COCO box evaluation: the raw precision/recall arrays and pycocotools' 12 summary numbers, as
/// fractions in [0, 1] and -1 where pycocotools gives -1 (no gt in that setting).
/// </summary>
public sealed class CocoEvalResult
{
    internal CocoEvalResult(CocoEvalParams parameters, IReadOnlyList<CocoCategory> categories, IReadOnlyList<long> imageIds,
        double[,,,,] precision, double[,,,] recall)
    {
        Params = parameters;
        Categories = categories;
        ImageIds = imageIds;
        Precision = precision;
        Recall = recall;
        Stats = Summarize();
        var perCategory = new Dictionary<string, double>();
        for (int k = 0; k < categories.Count; k++) perCategory[categories[k].Name] = CategoryAp(k);
        PerCategoryAp = perCategory;
    }

    public CocoEvalParams Params { get; }

    /// <summary>The evaluated categories by ascending id: the K axis of <see cref="Precision"/> and <see cref="Recall"/>.</summary>
    public IReadOnlyList<CocoCategory> Categories { get; }

    /// <summary>The evaluated images by ascending id.</summary>
    public IReadOnlyList<long> ImageIds { get; }

    /// <summary>[T, R, K, A, M] interpolated precision at each recall threshold; -1 where there is no gt.</summary>
    public double[,,,,] Precision { get; }

    /// <summary>[T, K, A, M] the recall finally reached; -1 where there is no gt.</summary>
    public double[,,,] Recall { get; }

    /// <summary>AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl in pycocotools' stats order.</summary>
    public IReadOnlyList<double> Stats { get; }

    public static IReadOnlyList<string> StatNames { get; } = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"];

    public double AP => Stats[0];
    public double AP50 => Stats[1];
    public double AP75 => Stats[2];
    public double APs => Stats[3];
    public double APm => Stats[4];
    public double APl => Stats[5];
    public double AR1 => Stats[6];
    public double AR10 => Stats[7];
    public double AR100 => Stats[8];
    public double ARs => Stats[9];
    public double ARm => Stats[10];
    public double ARl => Stats[11];

    /// <summary>
    /// Category name to AP over all IoUs, area "all", the largest maxDet; NaN for a category without gt
    /// (detectron2's _derive_coco_results).
    /// </summary>
    public IReadOnlyDictionary<string, double> PerCategoryAp { get; }

    /// <summary>The 101-point precision curve of one category at IoU threshold index <paramref name="iouIndex"/>.</summary>
    public double[] PrecisionCurve(int iouIndex, int categoryIndex, int areaIndex = 0, int maxDetIndex = -1)
    {
        int m = maxDetIndex < 0 ? Params.MaxDets.Count + maxDetIndex : maxDetIndex;
        var curve = new double[Params.RecallThresholds.Count];
        for (int r = 0; r < curve.Length; r++) curve[r] = Precision[iouIndex, r, categoryIndex, areaIndex, m];
        return curve;
    }

    /// <summary>Index of an IoU threshold by exact equality, as pycocotools' summarize looks it up; -1 if absent.</summary>
    public int IouIndex(double iou)
    {
        for (int t = 0; t < Params.IouThresholds.Count; t++)
            if (Params.IouThresholds[t] == iou) return t;
        return -1;
    }

    /// <summary>detectron2's box metrics dict: the six AP numbers and "AP-&lt;name&gt;" in percent, NaN where undefined.</summary>
    public IReadOnlyDictionary<string, double> ToDetectron2Metrics()
    {
        var d = new Dictionary<string, double>();
        for (int i = 0; i < 6; i++) d[StatNames[i]] = Stats[i] >= 0 ? Stats[i] * 100 : double.NaN;
        foreach (var (name, ap) in PerCategoryAp) d["AP-" + name] = ap * 100;
        return d;
    }

    /// <summary>The twelve lines pycocotools prints.</summary>
    public string FormatSummary()
    {
        var sb = new StringBuilder();
        var iouAll = string.Create(CultureInfo.InvariantCulture, $"{Params.IouThresholds[0]:0.00}:{Params.IouThresholds[^1]:0.00}");
        string[] area = ["all", "all", "all", "small", "medium", "large", "all", "all", "all", "small", "medium", "large"];
        string[] iou = [iouAll, "0.50", "0.75", iouAll, iouAll, iouAll, iouAll, iouAll, iouAll, iouAll, iouAll, iouAll];
        int[] maxDets = [.. Enumerable.Repeat(Params.MaxDets[2], 6), Params.MaxDets[0], Params.MaxDets[1], .. Enumerable.Repeat(Params.MaxDets[2], 4)];
        for (int i = 0; i < 12; i++)
        {
            var title = i < 6 ? "Average Precision  (AP)" : "Average Recall     (AR)";
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $" {title} @[ IoU={iou[i],-9} | area={area[i],6} | maxDets={maxDets[i],3} ] = {Stats[i]:0.000}"));
        }
        return sb.ToString();
    }

    private double[] Summarize()
    {
        // Columns of maxDets: 0, 1 and 2 stand for maxDets[0], [1] and [2] (1, 10, 100 by default).
        int t50 = IouIndex(0.5), t75 = IouIndex(0.75);
        return
        [
            Mean(ap: true, null, 0, 2),
            Mean(ap: true, t50, 0, 2),
            Mean(ap: true, t75, 0, 2),
            Mean(ap: true, null, 1, 2),
            Mean(ap: true, null, 2, 2),
            Mean(ap: true, null, 3, 2),
            Mean(ap: false, null, 0, 0),
            Mean(ap: false, null, 0, 1),
            Mean(ap: false, null, 0, 2),
            Mean(ap: false, null, 1, 2),
            Mean(ap: false, null, 2, 2),
            Mean(ap: false, null, 3, 2),
        ];
    }

    /// <summary>Mean of the entries &gt; -1 in one slice; -1 when there are none (or the IoU is not a threshold).</summary>
    private double Mean(bool ap, int? iouIndex, int areaIndex, int maxDetIndex)
    {
        if (iouIndex == -1) return -1;
        int t0 = iouIndex ?? 0, t1 = iouIndex is { } ti ? ti + 1 : Params.IouThresholds.Count;
        int nR = Params.RecallThresholds.Count, nK = Categories.Count;
        double sum = 0;
        long n = 0;
        for (int t = t0; t < t1; t++)
        for (int k = 0; k < nK; k++)
        {
            if (ap)
            {
                for (int r = 0; r < nR; r++)
                    Add(Precision[t, r, k, areaIndex, maxDetIndex]);
            }
            else Add(Recall[t, k, areaIndex, maxDetIndex]);
        }
        return n == 0 ? -1 : sum / n;

        void Add(double v)
        {
            if (v > -1) { sum += v; n++; }
        }
    }

    private double CategoryAp(int k)
    {
        int m = Params.MaxDets.Count - 1;
        double sum = 0;
        int n = 0;
        for (int t = 0; t < Params.IouThresholds.Count; t++)
            for (int r = 0; r < Params.RecallThresholds.Count; r++)
            {
                var v = Precision[t, r, k, 0, m];
                if (v > -1) { sum += v; n++; }
            }
        return n == 0 ? double.NaN : sum / n;
    }
}
