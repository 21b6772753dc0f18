using System.Text.Json;
using Rcnn.Training.Evaluation;
using Rcnn.Training.Structures;
using static Rcnn.Training.Tests.Evaluation.CocoCase;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Evaluation;

[TestClass]
public class CocoJsonTests
{
    private static CocoGroundTruth SampleTruth() => new(
        [new CocoCategory(3, "RBC"), new CocoCategory(7, "WBC")],
        [
            new CocoImage(10, [Gt(Box(1.5, 2.25, 30, 40), 3), Gt(Box(100, 100, 60, 60), 7, crowd: true, area: 2000)], 640, 480, "a.jpg"),
            new CocoImage(11, [Gt(Box(0.1, 0.2, 0.30000000000000004, 5), 3, ignore: true)], 640, 480, "b.jpg"),
            new CocoImage(12, [], 320, 240, "empty.jpg"),
        ]);

    [TestMethod]
    public void ResultsRoundTripExactlyInDetectron2Layout()
    {
        var dets = new[]
        {
            Det(10, Box(1.5, 2.25, 30.000000190734863, 40), 0.9876543209876543, 3),
            Det(11, Box(0.1, 0.2, 0.30000000000000004, 5), 1e-7, 7),
        };
        using var ms = new MemoryStream();
        CocoResultsJson.Write(ms, dets);
        using (var doc = JsonDocument.Parse(ms.ToArray()))
        {
            var first = doc.RootElement[0];
            CollectionAssert.AreEquivalent(new[] { "image_id", "category_id", "bbox", "score" },
                first.EnumerateObject().Select(p => p.Name).ToArray());
            Assert.AreEqual(10, first.GetProperty("image_id").GetInt64());
            Assert.AreEqual(4, first.GetProperty("bbox").GetArrayLength());
        }
        ms.Position = 0;
        var loaded = CocoResultsJson.Load(ms);
        CollectionAssert.AreEqual(dets, loaded.ToArray()); // record equality: every double bit-for-bit
    }

    [TestMethod]
    public void GroundTruthRoundTripsAndEvaluatesTheSame()
    {
        var truth = SampleTruth();
        var path = Path.Combine(Path.GetTempPath(), $"rcnn-gt-{Guid.NewGuid():N}.json");
        try
        {
            CocoGroundTruthJson.Write(path, truth);
            using (var doc = JsonDocument.Parse(File.ReadAllText(path)))
            {
                var anns = doc.RootElement.GetProperty("annotations");
                Assert.AreEqual(3, anns.GetArrayLength());
                Assert.AreEqual(1, anns[0].GetProperty("id").GetInt64()); // pycocotools needs ids > 0
                Assert.AreEqual(1200, anns[0].GetProperty("area").GetDouble()); // defaulted to w * h
                Assert.AreEqual(1, anns[1].GetProperty("iscrowd").GetInt32());
                Assert.AreEqual(1, anns[2].GetProperty("ignore").GetInt32());
            }
            var loaded = CocoGroundTruthJson.Load(path);
            CollectionAssert.AreEqual(truth.Categories.ToArray(), loaded.Categories.ToArray());
            Assert.AreEqual(truth.Images.Count, loaded.Images.Count);
            for (int i = 0; i < truth.Images.Count; i++)
            {
                var (a, b) = (truth.Images[i], loaded.Images[i]);
                Assert.AreEqual((a.Id, a.Width, a.Height, a.FileName), (b.Id, b.Width, b.Height, b.FileName));
                Assert.AreEqual(a.Objects.Count, b.Objects.Count);
                for (int j = 0; j < a.Objects.Count; j++)
                {
                    var (x, y) = (a.Objects[j], b.Objects[j]);
                    Assert.AreEqual((x.Box, x.CategoryId, x.IsCrowd, x.Ignore, x.EffectiveArea), (y.Box, y.CategoryId, y.IsCrowd, y.Ignore, y.EffectiveArea));
                }
            }

            var dets = new[] { Det(10, Box(1.5, 2.25, 30, 40), 0.9, 3), Det(12, Box(0, 0, 10, 10), 0.95, 3), Det(10, Box(105, 105, 20, 20), 0.5, 7) };
            CollectionAssert.AreEqual(CocoEvaluator.Evaluate(truth, dets).Stats.ToArray(), CocoEvaluator.Evaluate(loaded, dets).Stats.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void MalformedResultsNameWhatIsWrong()
    {
        using var ms = new MemoryStream("[{\"image_id\": 1, \"category_id\": 2, \"bbox\": [1, 2, 3], \"score\": 0.5}]"u8.ToArray());
        var e = Assert.ThrowsExactly<FormatException>(() => CocoResultsJson.Load(ms));
        StringAssert.Contains(e.Message, "bbox");
        Assert.ThrowsExactly<ArgumentException>(() => CocoResultsJson.Write(new MemoryStream(), [Det(1, Box(0, 0, 1, 1), double.PositiveInfinity)]));
    }

    [TestMethod]
    public void InstancesBecomeXywhDetectionsWithDatasetCategoryIds()
    {
        // Like detectron2's instances_to_coco_json: XYXY (10, 20, 30.5, 60) -> XYWH (10, 20, 20.5, 40); class 1 -> id 7.
        using var scope = NewDisposeScope();
        var inst = new Instances(100, 100)
        {
            PredBoxes = new Boxes(tensor(new[] { 10f, 20f, 30.5f, 60f, 0f, 0f, 5f, 5f }).view(2, 4)),
            Scores = tensor(new[] { 0.75f, 0.25f }),
            PredClasses = tensor(new long[] { 1, 0 }),
        };
        var dets = InstancesToCoco.Convert(42, inst, [5, 7]);
        CollectionAssert.AreEqual(new[] { Det(42, Box(10, 20, 20.5, 40), 0.75, 7), Det(42, Box(0, 0, 5, 5), 0.25, 5) }, dets.ToArray());
        var bad = new Instances(100, 100) { PredBoxes = new Boxes(zeros(1, 4)), Scores = ones(1), PredClasses = tensor(new long[] { 2 }) };
        Assert.ThrowsExactly<ArgumentException>(() => InstancesToCoco.Convert(1, bad, [5, 7]));
    }
}
