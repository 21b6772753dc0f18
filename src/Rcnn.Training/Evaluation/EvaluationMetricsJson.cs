using System.Text.Json;

namespace Rcnn.Training.Evaluation;

/// <summary>The metrics file an evaluation leaves behind: the twelve COCO numbers (0..1, -1 where undefined, as
/// pycocotools) and per-class AP in percent (null where a class has no ground truth; JSON has no NaN).</summary>
internal static class EvaluationMetricsJson
{
    public static string Write(string dataset, CocoEvalResult result)
    {
        var stats = new Dictionary<string, double>();
        for (int i = 0; i < CocoEvalResult.StatNames.Count; i++) stats[CocoEvalResult.StatNames[i]] = result.Stats[i];
        var perClass = result.PerCategoryAp.ToDictionary(kv => kv.Key, kv => double.IsFinite(kv.Value) ? kv.Value * 100 : (double?)null);
        var doc = new Dictionary<string, object?>
        {
            ["dataset"] = dataset,
            ["images"] = result.ImageIds.Count,
            ["stats"] = stats,
            ["per_class_AP"] = perClass,
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true });
    }
}
