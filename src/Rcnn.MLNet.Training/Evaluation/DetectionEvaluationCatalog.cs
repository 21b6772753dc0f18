using Microsoft.ML;
using Rcnn.MLNet.Data;
using Rcnn.Training.Evaluation;

namespace Rcnn.MLNet.Evaluation;

/// <summary>ML.NET-style evaluation of a scored detector output.</summary>
public static class DetectionEvaluationCatalog
{
    /// <summary>
    /// Evaluates predictions against ground truth row by row (each row is one image). Ground-truth labels are a key
    /// vector (its key values give the class names) or a text vector; predicted labels are text (what DetectObjects
    /// outputs). A class without ground truth in <paramref name="data"/> is listed with AP NaN and does not count in
    /// the means, as in pycocotools. Boxes are x0, y0, x1, y1 in the same pixels for truth and predictions.
    /// </summary>
    public static DetectionMetrics EvaluateObjectDetection(this MLContext mlContext, IDataView data,
        string labelColumnName = "Label", string boundingBoxColumnName = "Box",
        string predictedLabelColumnName = "PredictedLabel", string predictedBoundingBoxColumnName = "PredictedBoundingBoxes",
        string scoreColumnName = "Score")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(data);
        var schema = data.Schema;
        var label = LabelColumn.Find(schema, labelColumnName, nameof(labelColumnName));
        var box = BoxColumn.Find(schema, boundingBoxColumnName, nameof(boundingBoxColumnName));
        var predictedLabel = LabelColumn.Find(schema, predictedLabelColumnName, nameof(predictedLabelColumnName));
        var predictedBox = BoxColumn.Find(schema, predictedBoundingBoxColumnName, nameof(predictedBoundingBoxColumnName));
        var score = schema.GetColumnOrNull(scoreColumnName) ?? throw new ArgumentOutOfRangeException(nameof(scoreColumnName),
            $"Score column '{scoreColumnName}' was not found.");
        if (score.Type is not Microsoft.ML.Data.VectorDataViewType { ItemType.RawType: var scoreItem } || scoreItem != typeof(float))
            throw new ArgumentOutOfRangeException(nameof(scoreColumnName), $"Score column '{scoreColumnName}' must be a vector of Single; got {score.Type}.");

        var images = new List<(string[] Labels, float[] Boxes)>();
        var predictions = new List<(string[] Labels, float[] Boxes, float[] Scores)>();
        using (var cursor = data.GetRowCursor([label.Column, box, predictedLabel.Column, predictedBox, score]))
        {
            var readLabel = label.MakeReader(cursor);
            var readBox = BoxColumn.MakeReader(cursor, box);
            var readPredictedLabel = predictedLabel.MakeReader(cursor);
            var readPredictedBox = BoxColumn.MakeReader(cursor, predictedBox);
            var scoreGetter = cursor.GetGetter<Microsoft.ML.Data.VBuffer<float>>(score);
            Microsoft.ML.Data.VBuffer<float> scores = default;
            while (cursor.MoveNext())
            {
                var (l, b) = (readLabel(), readBox());
                if (b.Length != 4 * l.Length)
                    throw new InvalidOperationException($"Row {cursor.Position}: column '{box.Name}' has {b.Length / 4} boxes but column '{label.Name}' has {l.Length} labels.");
                var (pl, pb) = (readPredictedLabel(), readPredictedBox());
                scoreGetter(ref scores);
                var s = scores.DenseValues().ToArray();
                if (pb.Length != 4 * pl.Length || s.Length != pl.Length)
                    throw new InvalidOperationException(
                        $"Row {cursor.Position}: {pl.Length} predicted labels, {pb.Length / 4} predicted boxes and {s.Length} scores; they must match.");
                images.Add((l, b));
                predictions.Add((pl, pb, s));
            }
        }
        return Evaluate(images, predictions, label.KeyNames);
    }

    /// <summary>The COCO evaluation of per-image truth and predictions (image id = position, category id = 1 + index
    /// in: <paramref name="knownClasses"/>, then the other names found, sorted).</summary>
    internal static DetectionMetrics Evaluate(IReadOnlyList<(string[] Labels, float[] Boxes)> truth,
        IReadOnlyList<(string[] Labels, float[] Boxes, float[] Scores)> predictions, IReadOnlyList<string>? knownClasses)
    {
        var classes = new List<string>(knownClasses ?? []);
        var seen = new HashSet<string>(classes, StringComparer.Ordinal);
        foreach (var name in truth.SelectMany(t => t.Labels).Concat(predictions.SelectMany(p => p.Labels)).Distinct().Order(StringComparer.Ordinal))
            if (seen.Add(name)) classes.Add(name);
        var id = classes.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i + 1, StringComparer.Ordinal);

        var categories = classes.Select(n => new CocoCategory(id[n], n)).ToList();
        var cocoImages = truth.Select((t, i) => new CocoImage(i,
            t.Labels.Select((l, j) => new CocoGroundTruthObject(Box(t.Boxes, j), id[l])).ToList())).ToList();
        var detections = predictions.SelectMany((p, i) =>
            p.Labels.Select((l, j) => new CocoDetection(i, id[l], Box(p.Boxes, j), p.Scores[j]))).ToList();
        var groundTruth = new CocoGroundTruth(categories, cocoImages);
        return new DetectionMetrics(CocoEvaluator.Evaluate(groundTruth, detections),
            CocoFalsePositives.Find(groundTruth, detections, DatasetEvaluation.FalsePositiveIou));
    }

    private static CocoBox Box(float[] xyxy, int j) => CocoBox.FromXyxy(xyxy[4 * j], xyxy[4 * j + 1], xyxy[4 * j + 2], xyxy[4 * j + 3]);
}
