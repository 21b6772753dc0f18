using Rcnn.Training.Evaluation;

namespace Rcnn.MLNet.Evaluation;

/// <summary>
/// COCO box metrics of a scored IDataView, computed by Rcnn.Training's <see cref="CocoEvaluator"/> (pycocotools
/// semantics: 101-point interpolated AP, up to 100 detections per image). Fractions in [0, 1]; NaN where undefined
/// (no ground-truth object at all, or none of a class).
/// </summary>
public sealed class DetectionMetrics
{
    internal DetectionMetrics(CocoEvalResult coco, IReadOnlyList<CocoFalsePositive> falsePositives)
    {
        Coco = coco;
        FalsePositives = falsePositives;
        int t50 = coco.IouIndex(0.5);
        var ap50 = new Dictionary<string, double>();
        for (int k = 0; k < coco.Categories.Count; k++)
        {
            var curve = coco.PrecisionCurve(t50, k).Where(v => v > -1).ToArray();
            ap50[coco.Categories[k].Name] = curve.Length == 0 ? double.NaN : curve.Average();
        }
        PerClassAP50 = ap50;
    }

    /// <summary>AP at IoU 0.50 (pycocotools' AP50), averaged over the classes that have ground truth.</summary>
    public double MAP50 => Nan(Coco.AP50);

    /// <summary>AP averaged over IoU 0.50:0.05:0.95 (COCO's headline AP).</summary>
    public double MAP50_95 => Nan(Coco.AP);

    public double MAP75 => Nan(Coco.AP75);

    /// <summary>Recall with up to 100 detections per image, averaged over IoUs and classes.</summary>
    public double AR100 => Nan(Coco.AR100);

    /// <summary>Per class: AP over IoU 0.50:0.95 (detectron2's "AP-&lt;class&gt;").</summary>
    public IReadOnlyDictionary<string, double> PerClassAP => Coco.PerCategoryAp;

    /// <summary>Per class: AP at IoU 0.50.</summary>
    public IReadOnlyDictionary<string, double> PerClassAP50 { get; }

    /// <summary>
    /// The detections that matched no object of their class at IoU 0.50 (what AP50 counts against the model), highest
    /// score first, each with its <see cref="DetectionErrorKind"/>. <c>Detection.ImageId</c> is the row's position and
    /// <c>Detection.CategoryId</c> the <c>Id</c> of one of <see cref="CocoEvalResult.Categories"/> in <see cref="Coco"/>. Many confident
    /// <see cref="DetectionErrorKind.Background"/> ones on real objects mean the ground truth misses labels.
    /// </summary>
    public IReadOnlyList<CocoFalsePositive> FalsePositives { get; }

    /// <summary>The full evaluation (12 summary numbers, precision/recall arrays).</summary>
    public CocoEvalResult Coco { get; }

    public override string ToString() => Coco.FormatSummary() + DatasetEvaluation.PerClassTable(Coco);

    private static double Nan(double v) => v < 0 ? double.NaN : v;
}
