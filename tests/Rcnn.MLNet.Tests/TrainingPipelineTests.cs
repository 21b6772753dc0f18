using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Data;
using Rcnn.MLNet.Evaluation;
using Rcnn.MLNet.Training;
using Rcnn.Training.Data;
using Rcnn.Training.Evaluation;

namespace Rcnn.MLNet.Tests;

/// <summary>
/// The pipeline, trained briefly on a BCCD subset (not for accuracy): LoadImages -> MapValueToKey ->
/// DetectObjects -> Model.Save; a fresh process loads and scores identically; the pipeline equals ONNX Runtime run
/// directly on the exported bytes; its MAP50 equals CocoEvaluator's on those direct detections. About a minute.
/// </summary>
[TestClass]
public sealed class TrainingPipelineTests
{
    [TestMethod]
    public void Pipeline_TrainsSavesAndScoresLikeOrtDirect_InThisAndAFreshProcess()
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Source == "DetectObjects") lock (log) log.Add(e.Message); };
        var voc = ml.Data.LoadFromPascalVoc(TestData.VocRoot, "train", BuiltinDatasets.BccdClasses, _ => { });
        var train = ml.Data.TakeRows(voc, 6);
        var progress = new List<DetectionTrainingProgress>();
        var options = new DetectObjectsOptions
        {
            Preset = "R18-FPN-CPU-Smoke",
            MaxIterations = 4,
            BatchSize = 1,
            ImageSize = 128,
            ScoreThreshold = 0f,  // an untrained model scores low; keep its detections so the comparisons have content
            Seed = 3,
            NumThreads = 2,
            OutputFolder = TestData.TempFolder("train"),
            Progress = new SyncProgress(progress),
        };
        var estimator = ml.Transforms.DetectObjects(options);
        var pipeline = ml.Transforms.LoadImages("Image", "", "ImagePath")
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(estimator);
        var model = pipeline.Fit(train);

        // Training reported every iteration, with finite losses, to the callback and mlContext.Log.
        Assert.HasCount(4, progress);
        Assert.IsTrue(progress.All(p => double.IsFinite(p.TotalLoss) && p.Losses.ContainsKey("loss_cls")), "losses reported");
        Assert.IsTrue(log.Any(l => l.Contains("total_loss")), "losses in mlContext.Log: " + string.Join(" | ", log.Take(5)));
        var summary = estimator.LastTraining!;
        CollectionAssert.AreEquivalent(BuiltinDatasets.BccdClasses.ToArray(), summary.ClassNames.ToArray());
        Assert.IsTrue(File.Exists(summary.OnnxModelPath));
        Assert.IsTrue(File.Exists(Path.Combine(options.OutputFolder, "metrics.json")));
        Assert.IsFalse(Directory.Exists(Path.Combine(options.OutputFolder, "images")), "PNG copies removed");

        var testImages = TestData.Images("test", 3);
        var test = ml.Data.TakeRows(ml.Data.LoadFromPascalVoc(TestData.VocRoot, "test", BuiltinDatasets.BccdClasses, _ => { }), 3);
        var scored = model.Transform(test);
        var pipelineOut = scored.GetColumn<string[]>("PredictedLabel").Zip(scored.GetColumn<float[]>("Score"), scored.GetColumn<float[]>("PredictedBoundingBoxes")).ToList();
        var direct = OrtDirect.Score(File.ReadAllBytes(summary.OnnxModelPath), testImages);
        for (int i = 0; i < direct.Count; i++)
        {
            var (labels, scores, boxes) = pipelineOut[i];
            Assert.IsNotEmpty(direct[i].Labels, "the comparison needs detections");
            CollectionAssert.AreEqual(direct[i].Labels, labels, $"image {i}: labels");
            Assert.HasCount(direct[i].Boxes.Length, boxes);
            for (int k = 0; k < boxes.Length; k++) Assert.AreEqual(direct[i].Boxes[k], boxes[k], 0.5, $"image {i} box value {k}");
            for (int k = 0; k < scores.Length; k++) Assert.AreEqual(direct[i].Scores[k], scores[k], 1e-4, $"image {i} score {k}");
        }

        // MAP50 through ML.NET equals CocoEvaluator on the direct detections (same truth from the VOC records).
        // (The scored Label column holds the pipeline's keys; classes may be averaged in another order: 1e-9.)
        var metrics = ml.EvaluateObjectDetection(scored);
        var records = PascalVocLoader.Load("t", TestData.VocRoot, "test", BuiltinDatasets.BccdClasses, DatasetLog.FromAction(_ => { })).Records.Take(3).ToList();
        var ids = DatasetEvaluation.ImageIds(records);
        var reference = CocoEvaluator.Evaluate(
            DatasetEvaluation.GroundTruth(records, new DatasetMetadata("t", BuiltinDatasets.BccdClasses)),
            direct.SelectMany((d, i) => d.Labels.Select((l, j) => new CocoDetection(ids[i], BuiltinDatasets.BccdClasses.ToList().IndexOf(l),
                CocoBox.FromXyxy(d.Boxes[4 * j], d.Boxes[4 * j + 1], d.Boxes[4 * j + 2], d.Boxes[4 * j + 3]), d.Scores[j]))));
        Assert.AreEqual(reference.AP50, metrics.MAP50, 1e-9);
        Assert.AreEqual(reference.AP, metrics.MAP50_95, 1e-9);

        // Saved, then loaded and scored in a fresh process: identical output, and libtorch never loaded there.
        string zip = Path.Combine(options.OutputFolder, "detector.zip");
        ml.Model.Save(model, train.Schema, zip);
        var before = ScoredRows.Json(model.Transform(test), testImages).ToArray();
        var child = TestData.RunScoreOnly([zip, .. testImages]);
        CollectionAssert.AreEqual(before, child[..^1], "a fresh process scores the saved model differently");
        Assert.AreEqual("{\"libtorch_loaded\":false}", child[^1]);
    }

    [TestMethod]
    public void QuickStartSample_RunsOnTheBundledData()
    {
        var dir = TestData.TempFolder("quickstart");
        var lines = TestData.RunSample("--iterations", "2", "--train-images", "4", "--test-images", "2", "--out", dir);
        Assert.IsTrue(lines.Any(l => l.StartsWith("MAP50 ")), string.Join("\n", lines));
        Assert.IsTrue(File.Exists(Path.Combine(dir, "detector.zip")));
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; a test wants the reports in order, now.</summary>
    private sealed class SyncProgress(List<DetectionTrainingProgress> sink) : IProgress<DetectionTrainingProgress>
    {
        public void Report(DetectionTrainingProgress value)
        {
            lock (sink) sink.Add(value);
        }
    }
}
