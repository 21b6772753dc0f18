using Microsoft.ML;
using Rcnn.MLNet.Data;
using Rcnn.MLNet.Evaluation;
using Rcnn.Training.Data;
using Rcnn.Training.Evaluation;

namespace Rcnn.MLNet.Tests;

/// <summary>EvaluateObjectDetection against a hand-computed case and against CocoEvaluator fed independently.</summary>
[TestClass]
public sealed class EvaluationTests
{
    public sealed class Row
    {
        public string[] Label { get; set; } = [];
        public float[] Box { get; set; } = [];
        public string[] PredictedLabel { get; set; } = [];
        public float[] Score { get; set; } = [];
        public float[] PredictedBoundingBoxes { get; set; } = [];
    }

    public sealed class KeyRow
    {
        public string Label { get; set; } = "";
    }

    private static Row[] HandCase() =>
    [
        new()
        {
            Label = ["a", "b"], Box = [0, 0, 10, 10, 50, 50, 60, 60],
            PredictedLabel = ["a", "b"], Score = [0.9f, 0.6f], PredictedBoundingBoxes = [0, 0, 10, 10, 50, 50, 60, 60],
        },
        new()
        {
            Label = ["a"], Box = [0, 0, 10, 10],
            // A false positive (no overlap), then a box with IoU 64/100 = 0.64 to the truth.
            PredictedLabel = ["a", "a"], Score = [0.8f, 0.7f], PredictedBoundingBoxes = [20, 20, 30, 30, 0, 0, 8, 8],
        },
    ];

    [TestMethod]
    public void HandComputedCase_TextAndKeyLabelsAgree()
    {
        // Class a, detections by score: TP, FP, then at IoU thresholds <= 0.60 a TP (0.64 >= t), above it an FP.
        //  t <= 0.60 (3 thresholds): precision envelope 1 up to recall 0.5 (51 of the 101 recall points), 2/3 after
        //  (50 points): AP = (51 + 50 * 2/3) / 101.  t >= 0.65 (7 thresholds): 1 up to recall 0.5, then 0: AP = 51/101.
        // Class b: one perfect detection, AP = 1 (pycocotools' precision 1/(1 + eps)).
        double a50 = (51 + 50 * 2.0 / 3) / 101, aHigh = 51.0 / 101;
        double a5095 = (3 * a50 + 7 * aHigh) / 10;
        var ml = new MLContext();
        var text = ml.Data.LoadFromEnumerable(HandCase());
        var m = ml.EvaluateObjectDetection(text);
        Assert.AreEqual((a50 + 1) / 2, m.MAP50, 1e-9);
        Assert.AreEqual((a5095 + 1) / 2, m.MAP50_95, 1e-9);
        Assert.AreEqual(a5095, m.PerClassAP["a"], 1e-9);
        Assert.AreEqual(a50, m.PerClassAP50["a"], 1e-9);
        Assert.AreEqual(1, m.PerClassAP["b"], 1e-9);
        // At IoU 0.50 the only false positive is row 1's box with no overlap: background.
        var fp = m.FalsePositives.Single();
        Assert.AreEqual(1, fp.Detection.ImageId);
        Assert.AreEqual(0.8, fp.Detection.Score, 1e-6);
        Assert.AreEqual(DetectionErrorKind.Background, fp.Kind);
        Assert.AreEqual("a", m.Coco.Categories.Single(c => c.Id == fp.Detection.CategoryId).Name);

        // The same truth as MapValueToKey keys (class names from the key values).
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(text).Transform(text);
        var k = ml.EvaluateObjectDetection(keyed);
        Assert.AreEqual(m.MAP50, k.MAP50);
        Assert.AreEqual(m.MAP50_95, k.MAP50_95);
    }

    [TestMethod]
    public void BccdTruthWithNoisyPredictions_MatchesCocoEvaluatorOnTheRecords()
    {
        // Truth from Rcnn.Training's VOC loader through the IDataView columns on one side, and straight from the
        // records (DatasetEvaluation.GroundTruth) on the other; the same detections fed to both.
        var ml = new MLContext();
        var dataset = PascalVocLoader.Load("bccd_test", TestData.VocRoot, "test", BuiltinDatasets.BccdClasses, DatasetLog.FromAction(_ => { }));
        var rows = DetectionDataCatalog.ToRows(dataset);
        var rng = new Random(7);
        var scored = rows.Select(r =>
        {
            var boxes = r.Box.Select(v => v + (float)(rng.NextDouble() * 8 - 4)).ToList();
            var labels = r.Label.ToList();
            // Shuffle some labels to other classes and add a false positive per image.
            for (int i = 0; i < labels.Count; i++) if (rng.NextDouble() < 0.1) labels[i] = BuiltinDatasets.BccdClasses[rng.Next(3)];
            labels.Add(BuiltinDatasets.BccdClasses[rng.Next(3)]);
            boxes.AddRange([10, 10, 60, 70]);
            for (int i = 0; i < boxes.Count; i += 4) boxes[i + 2] = Math.Max(boxes[i + 2], boxes[i] + 1);
            for (int i = 1; i < boxes.Count; i += 4) boxes[i + 2] = Math.Max(boxes[i + 2], boxes[i] + 1);
            return new Row
            {
                Label = r.Label, Box = r.Box, PredictedLabel = [.. labels], PredictedBoundingBoxes = [.. boxes],
                Score = labels.Select(_ => (float)rng.NextDouble()).ToArray(),
            };
        }).ToList();
        // Keys in the dataset's class order, so the classes are averaged in the same order (the sums are then bit-identical).
        var keyData = ml.Data.LoadFromEnumerable(BuiltinDatasets.BccdClasses.Select(c => new KeyRow { Label = c }));
        var text = ml.Data.LoadFromEnumerable(scored);
        var ours = ml.EvaluateObjectDetection(ml.Transforms.Conversion.MapValueToKey("Label", keyData: keyData).Fit(text).Transform(text));
        var fromText = ml.EvaluateObjectDetection(text);

        var truth = DatasetEvaluation.GroundTruth(dataset.Records, dataset.Metadata);
        var ids = DatasetEvaluation.ImageIds(dataset.Records);
        var detections = scored.SelectMany((s, i) => s.PredictedLabel.Select((l, j) => new CocoDetection(ids[i],
            BuiltinDatasets.BccdClasses.ToList().IndexOf(l),
            CocoBox.FromXyxy(s.PredictedBoundingBoxes[4 * j], s.PredictedBoundingBoxes[4 * j + 1], s.PredictedBoundingBoxes[4 * j + 2], s.PredictedBoundingBoxes[4 * j + 3]),
            s.Score[j])));
        var reference = CocoEvaluator.Evaluate(truth, detections);
        Assert.IsTrue(reference.AP50 is > 0.2 and < 0.99, $"a non-trivial case: AP50 {reference.AP50}");
        CollectionAssert.AreEqual(reference.Stats.ToArray(), ours.Coco.Stats.ToArray(), $"{string.Join(",", reference.Stats)} vs {string.Join(",", ours.Coco.Stats)}");
        Assert.AreEqual(reference.AP50, ours.MAP50);
        foreach (var c in BuiltinDatasets.BccdClasses) Assert.AreEqual(reference.PerCategoryAp[c], ours.PerClassAP[c], c);
        // Text labels list the classes sorted by name: the same numbers up to summation order.
        Assert.AreEqual(reference.AP, fromText.MAP50_95, 1e-12);
    }

    [TestMethod]
    public void MismatchedCounts_NameTheRowAndColumns()
    {
        var ml = new MLContext();
        var rows = HandCase();
        rows[1].Box = [0, 0, 10, 10, 1, 1, 2, 2];
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.EvaluateObjectDetection(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "Row 1");
        StringAssert.Contains(e.Message, "'Box'");
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.EvaluateObjectDetection(ml.Data.LoadFromEnumerable(HandCase()), scoreColumnName: "Confidence"));
        StringAssert.Contains(missing.Message, "'Confidence'");
    }
}
