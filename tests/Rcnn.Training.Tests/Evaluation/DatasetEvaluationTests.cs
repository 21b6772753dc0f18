using System.Text.Json;
using Rcnn.Training.Data;
using Rcnn.Training.Evaluation;
using Rcnn.Training.Structures;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Evaluation;

/// <summary>Records + hand-made predictions through DatasetEvaluation, checked against COCO AP worked out by hand.</summary>
[TestClass]
public class DatasetEvaluationTests
{
    private static readonly DatasetMetadata Voc = new("toy_voc", ["a", "b", "c"]);

    // Two 100x80 images; class 0 has a difficult object on image 1; class 2 has no ground truth at all.
    private static readonly DatasetRecord[] Records =
    [
        new("img_one.jpg", 80, 100, "img_one", [new(10, 10, 40, 50, 0), new(50, 20, 90, 70, 1)]),
        new("img_two.jpg", 80, 100, "img_two", [new(5, 5, 30, 30, 0), new(60, 40, 95, 75, 0, Difficult: true)]),
    ];

    private static Instances Predict(int height, int width, params (double X0, double Y0, double X1, double Y1, int Cls, float Score)[] dets)
    {
        var inst = new Instances(height, width);
        inst.PredBoxes = new Boxes(dets.Length == 0 ? zeros(0, 4) : tensor(dets.SelectMany(d => new[] { (float)d.X0, (float)d.Y0, (float)d.X1, (float)d.Y1 }).ToArray()).view(-1, 4));
        inst.Scores = tensor(dets.Select(d => d.Score).ToArray());
        inst.PredClasses = tensor(dets.Select(d => (long)d.Cls).ToArray());
        return inst;
    }

    [TestMethod]
    public void GroundTruthAsPredictionsGivesApOneAndDifficultObjectsAreIgnored()
    {
        // Every non-difficult box predicted exactly (IoU 1) and nothing else: precision 1 at every recall for a and b.
        // The difficult box of class a is not predicted; if it counted, class a's recall would stop at 2/3 and its AP
        // would be 67/101 (recall thresholds 0..0.66), so AP 1 shows it is ignored. pycocotools' precision is
        // tp / (tp + fp + eps), hence 1 - 2^-52 rather than exactly 1.
        var preds = new[]
        {
            Predict(80, 100, (10, 10, 40, 50, 0, 0.9f), (50, 20, 90, 70, 1, 0.8f)),
            Predict(80, 100, (5, 5, 30, 30, 0, 0.7f)),
        };
        var r = DatasetEvaluation.EvaluatePredictions(Records, Voc, preds);
        Assert.AreEqual(1.0, r.AP, 1e-12);
        Assert.AreEqual(1.0, r.AP50, 1e-12);
        Assert.AreEqual(1.0, r.AR100, 1e-12);
        Assert.AreEqual(1.0, r.PerCategoryAp["a"], 1e-12);
        Assert.AreEqual(1.0, r.PerCategoryAp["b"], 1e-12);
        Assert.IsTrue(double.IsNaN(r.PerCategoryAp["c"]), "a class without ground truth has no AP");
    }

    [TestMethod]
    public void DetectionOnADifficultObjectIsNeitherTruePositiveNorFalsePositive()
    {
        // The difficult box predicted with the highest score of class a: ignored, so class a still has AP 1.
        // Were it a false positive, precision would start at 0 (score-sorted), giving AP < 1.
        var preds = new[]
        {
            Predict(80, 100, (10, 10, 40, 50, 0, 0.9f), (50, 20, 90, 70, 1, 0.8f)),
            Predict(80, 100, (60, 40, 95, 75, 0, 0.99f), (5, 5, 30, 30, 0, 0.7f)),
        };
        var r = DatasetEvaluation.EvaluatePredictions(Records, Voc, preds);
        Assert.AreEqual(1.0, r.PerCategoryAp["a"], 1e-12);
    }

    [TestMethod]
    public void HalfRecallWithOneFalsePositiveGivesFiftyOneOverOneHundredOne()
    {
        // Class b only (class a unpredicted -> AP 0 for a). Image 1's b box found exactly (score 0.9), a false positive
        // far away (0.8); let image 2 carry a second b box that is never found. Sorted: TP (recall 1/2, precision 1),
        // FP (recall 1/2, precision 1/2). Interpolated precision is 1 for recall thresholds 0, 0.01 .. 0.50 (51 of
        // the 101) and 0 above, at every IoU threshold since the match has IoU 1: AP = 51/101.
        DatasetRecord[] records =
        [
            new("1.jpg", 80, 100, "1", [new(50, 20, 90, 70, 1)]),
            new("2.jpg", 80, 100, "2", [new(10, 10, 30, 30, 1)]),
        ];
        var preds = new[] { Predict(80, 100, (50, 20, 90, 70, 1, 0.9f), (0, 0, 5, 5, 1, 0.8f)), Predict(80, 100) };
        var r = DatasetEvaluation.EvaluatePredictions(records, Voc, preds);
        Assert.AreEqual(51.0 / 101.0, r.PerCategoryAp["b"], 1e-12);
        Assert.AreEqual(51.0 / 101.0, r.AP, 1e-12);  // a and c have no ground truth, so only b is averaged
        Assert.AreEqual(0.5, r.AR100, 1e-12);
    }

    [TestMethod]
    public void WritesTheFalsePositivesWithTheirKindsAndSaysHowManyAreConfident()
    {
        // Image 1: the b object found (0.9) and a b box on empty ground (0.8, background); image 2: a b box that
        // overlaps image 2's a object by 1/3 (0.4, "both": another class's object, badly placed).
        DatasetRecord[] records =
        [
            new("1.jpg", 80, 100, "1", [new(50, 20, 90, 70, 1)]),
            new("2.jpg", 80, 100, "2", [new(10, 10, 30, 30, 0)]),
        ];
        var preds = new[] { Predict(80, 100, (50, 20, 90, 70, 1, 0.9f), (0, 0, 5, 5, 1, 0.8f)), Predict(80, 100, (20, 10, 40, 30, 1, 0.4f)) };
        string dir = Directory.CreateTempSubdirectory("dataset-eval-fp").FullName;
        try
        {
            var lines = new List<string>();
            DatasetEvaluation.EvaluatePredictions(records, Voc, preds, dir, lines.Add);
            var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, DatasetEvaluation.FalsePositivesFile))).RootElement;
            Assert.AreEqual(1, doc.GetProperty("count").GetProperty("background").GetInt32());
            Assert.AreEqual(1, doc.GetProperty("count").GetProperty("both").GetInt32());
            Assert.AreEqual(1, doc.GetProperty("count_score_0.5").GetProperty("background").GetInt32());
            Assert.AreEqual(0, doc.GetProperty("count_score_0.5").GetProperty("both").GetInt32());
            var first = doc.GetProperty("highest")[0];
            Assert.AreEqual("1.jpg", first.GetProperty("file").GetString());
            Assert.AreEqual("b", first.GetProperty("class").GetString());
            CollectionAssert.AreEqual(new[] { 0.0, 0.0, 5.0, 5.0 }, first.GetProperty("box").EnumerateArray().Select(e => e.GetDouble()).ToArray());
            var second = doc.GetProperty("highest")[1];
            Assert.AreEqual("a", second.GetProperty("other_class").GetString());
            Assert.AreEqual(1.0 / 3, second.GetProperty("iou_other_class").GetDouble(), 1e-3);
            // Predictions come without their images, so no gallery is drawn.
            Assert.IsFalse(File.Exists(Path.Combine(dir, Rcnn.Training.Evaluation.FalsePositiveGallery.FileName)));
            StringAssert.Contains(lines.Single(), "False positives at IoU 0.50 with score >= 0.5: 1 (duplicate 0, confusion 0, localization 0, both 0, background 1)");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void WritesResultsMetricsAndPrCurvesWithDatasetIds()
    {
        // A COCO-style dataset whose category ids are 7 and 9 and image ids numeric: results keep those ids.
        var coco = new DatasetMetadata("toy_coco", ["cat", "dog"], new Dictionary<int, int> { [7] = 0, [9] = 1 });
        DatasetRecord[] records =
        [
            new("a.jpg", 50, 60, "42", [new(1, 1, 20, 20, 0), new(30, 10, 55, 45, 1, IsCrowd: true)]),
            new("b.jpg", 50, 60, "43", [new(5, 5, 25, 40, 1)]),
        ];
        var preds = new[] { Predict(50, 60, (1, 1, 20, 20, 0, 0.9f)), Predict(50, 60, (5, 5, 25, 40, 1, 0.6f)) };
        string dir = Directory.CreateTempSubdirectory("dataset-eval").FullName;
        try
        {
            var lines = new List<string>();
            var r = DatasetEvaluation.EvaluatePredictions(records, coco, preds, dir, lines.Add);
            Assert.AreEqual(1.0, r.AP, 1e-12);  // the crowd dog region has no detection: it is not a miss
            var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, DatasetEvaluation.ResultsFile))).RootElement;
            Assert.AreEqual(2, results.GetArrayLength());
            Assert.AreEqual(42, results[0].GetProperty("image_id").GetInt64());
            Assert.AreEqual(7, results[0].GetProperty("category_id").GetInt32());
            Assert.AreEqual(43, results[1].GetProperty("image_id").GetInt64());
            Assert.AreEqual(9, results[1].GetProperty("category_id").GetInt32());
            // bbox is XYWH: (5, 5, 25, 40) -> [5, 5, 20, 35].
            CollectionAssert.AreEqual(new[] { 5.0, 5.0, 20.0, 35.0 }, results[1].GetProperty("bbox").EnumerateArray().Select(e => e.GetDouble()).ToArray());
            var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, DatasetEvaluation.MetricsFile))).RootElement;
            Assert.AreEqual(1.0, metrics.GetProperty("stats").GetProperty("AP").GetDouble(), 1e-12);
            Assert.AreEqual(12, metrics.GetProperty("stats").EnumerateObject().Count());
            Assert.AreEqual(100.0, metrics.GetProperty("per_class_AP").GetProperty("dog").GetDouble(), 1e-9);
            foreach (var name in new[] { "cat", "dog" })
                CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(dir, $"pr_{name}.png"))[..4]);
            Assert.AreEqual(1, lines.Count);
            StringAssert.Contains(lines[0], "Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000");
            StringAssert.Contains(lines[0], "| dog");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void PredictionCountMustMatchTheRecords()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => DatasetEvaluation.EvaluatePredictions(Records, Voc, [Predict(80, 100)]));
        StringAssert.Contains(e.Message, "1 predictions for 2 images");
    }
}
