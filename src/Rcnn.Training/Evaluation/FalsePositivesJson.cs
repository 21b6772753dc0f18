using System.Text.Json;
using Rcnn.Training.Data;

namespace Rcnn.Training.Evaluation;

/// <summary>
/// The false positives file an evaluation leaves behind: the IoU threshold, counts by kind (all, and at score
/// &gt;= 0.5), and the <see cref="Listed"/> highest-scoring ones with image file, class, score, box (x0, y0, x1, y1) and
/// best IoU with an object of their own and of another class.
/// </summary>
internal static class FalsePositivesJson
{
    public const int Listed = 200;

    public static string Write(IReadOnlyList<CocoFalsePositive> falsePositives, CocoGroundTruth groundTruth,
        IReadOnlyList<DatasetRecord> records, double iouThreshold)
    {
        var files = DatasetEvaluation.ImageIds(records).Zip(records).ToDictionary(x => x.First, x => x.Second.FileName);
        var names = groundTruth.Categories.ToDictionary(c => c.Id, c => c.Name);
        static Dictionary<string, int> Counts(IEnumerable<CocoFalsePositive> f) =>
            CocoFalsePositives.CountByKind(f).ToDictionary(kv => kv.Key.Name(), kv => kv.Value);
        var doc = new Dictionary<string, object?>
        {
            ["iou_threshold"] = iouThreshold,
            ["count"] = Counts(falsePositives),
            ["count_score_0.5"] = Counts(falsePositives.Where(f => f.Detection.Score >= DatasetEvaluation.FalsePositiveMinScore)),
            ["highest"] = falsePositives.Take(Listed).Select(f => new Dictionary<string, object?>
            {
                ["file"] = files[f.Detection.ImageId],
                ["class"] = names[f.Detection.CategoryId],
                ["score"] = Math.Round(f.Detection.Score, 4),
                ["box"] = new[] { f.Detection.Box.X, f.Detection.Box.Y, f.Detection.Box.X + f.Detection.Box.Width, f.Detection.Box.Y + f.Detection.Box.Height }
                    .Select(v => Math.Round(v, 1)).ToArray(),
                ["kind"] = f.Kind.Name(),
                ["iou_same_class"] = Math.Round(f.BestIouSameClass, 3),
                ["iou_other_class"] = Math.Round(f.BestIouOtherClass, 3),
                ["other_class"] = f.OtherCategoryId is int o ? names[o] : null,
            }),
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true });
    }
}
