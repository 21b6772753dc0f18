using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Data;
using Rcnn.MLNet.Training;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Tests;

/// <summary>
/// The concurrency check on the BCCD preset's own model (R-18 FPN at BCCD's size, trained here for 20 iterations, so
/// its detections are many and low-scoring; all are kept): 8 threads score 200 BCCD test images each, twice. Every
/// answer must equal the serial answer for the same image, and after the second round the process's resident memory
/// (native included) must be within 10% of what it was after the first, and the managed heap within 5 MB.
/// Heavy (about 10 minutes on 2 cores): dotnet test tests/Rcnn.MLNet.Tests -c Release --filter TestCategory=Heavy
/// </summary>
[TestClass]
[TestCategory("Heavy")]
public sealed class ConcurrentScoringMemoryTests
{
    public sealed class ModelInput
    {
        [ImageType(480, 640)]
        public MLImage? Image { get; set; }
    }

    public sealed class ModelOutput
    {
        public string[] PredictedLabel { get; set; } = [];
        public float[] Score { get; set; } = [];
        public float[] PredictedBoundingBoxes { get; set; } = [];
    }

    [TestMethod]
    public void EightThreads_TwoHundredImagesEach_OnTheBccdModel_SameResults_FlatResidentMemory()
    {
        var ml = new MLContext(seed: 1);
        var voc = ml.Data.LoadFromPascalVoc(TestData.VocRoot, "train", BuiltinDatasets.BccdClasses, _ => { });
        var estimator = ml.Transforms.DetectObjects(new DetectObjectsOptions
        {
            Preset = "R18-FPN-CPU",
            MaxIterations = 20,
            ScoreThreshold = 0f,
            Seed = 3,
            OutputFolder = TestData.TempFolder("concurrent-bccd"),
        });
        using var trained = ml.Transforms.LoadImages("Image", "", "ImagePath")
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(estimator)
            .Fit(ml.Data.TakeRows(voc, 16));
        var model = trained.LastTransformer;   // the DetectObjects chain: MLImage in, detections out

        var images = TestData.Images("test", 8).Select(MLImage.CreateFromFile).ToArray();
        var options = new PredictionEngineOptions { OwnsTransformer = false };
        ModelOutput[] serial;
        using (var engine = ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model, options))
            serial = images.Select(img => engine.Predict(new ModelInput { Image = img })).ToArray();
        Assert.IsTrue(serial.All(o => o.Score.Length > 0), "every test image has detections at threshold 0");

        var mismatches = new List<string>();
        void Round(int perThread, int threads)
        {
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                using var engine = ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model, options);
                var output = new ModelOutput();
                for (int k = 0; k < perThread; k++)
                {
                    int i = (k * 7 + t) % images.Length;
                    engine.Predict(new ModelInput { Image = images[i] }, ref output);
                    if (!Same(serial[i], output)) lock (mismatches) mismatches.Add($"thread {t} item {k} (image {i})");
                }
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
        }

        Round(200, 8);
        long managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        long rssBefore = Rss();
        Round(200, 8);
        double managedMb = (GC.GetTotalMemory(forceFullCollection: true) - managedBefore) / 1048576.0;
        long rssAfter = Rss();
        double change = (rssAfter - rssBefore) / (double)rssBefore;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"second 1600 predictions: RSS {rssBefore / 1048576.0:F0} -> {rssAfter / 1048576.0:F0} MB ({change:+0.0%;-0.0%}), managed heap {managedMb:+0.0;-0.0} MB"));
        Assert.IsEmpty(mismatches, "concurrent answers that differ from the serial ones: " + string.Join(", ", mismatches.Take(10)));
        Assert.IsTrue(Math.Abs(change) <= 0.10, $"the process's resident memory moved {change:P1} over the second 1600 predictions (bar: 10%)");
        Assert.IsTrue(managedMb < 5, $"the managed heap grew {managedMb:F1} MB over the second 1600 predictions");
        foreach (var img in images) img.Dispose();
    }

    private static bool Same(ModelOutput a, ModelOutput b) =>
        a.PredictedLabel.SequenceEqual(b.PredictedLabel)
        && a.Score.Length == b.Score.Length && a.Score.Zip(b.Score).All(p => Math.Abs(p.First - p.Second) <= 1e-5f)
        && a.PredictedBoundingBoxes.Length == b.PredictedBoundingBoxes.Length
        && a.PredictedBoundingBoxes.Zip(b.PredictedBoundingBoxes).All(p => Math.Abs(p.First - p.Second) <= 1e-3f);

    /// <summary>The process's resident set (VmRSS): native memory included.</summary>
    private static long Rss()
    {
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }
}
