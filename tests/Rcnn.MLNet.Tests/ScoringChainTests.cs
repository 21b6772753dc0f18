using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Scoring;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Tests;

/// <summary>The scoring chain on <see cref="FakeDetector"/>, whose outputs are computed by hand from the pixels
/// (decoded independently by Rcnn.Training's ImageReader). Costs a few seconds.</summary>
[TestClass]
public sealed class ScoringChainTests
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

    private static (string[] Labels, float[] Scores, float[] Boxes) Expected(string path)
    {
        var rgb = ImageReader.Read(path, "RGB");
        return FakeDetector.Expected(rgb.Data, rgb.Height, rgb.Width);
    }

    private static List<(string[] Labels, float[] Scores, float[] Boxes)> Read(IDataView scored, ScoringColumns? c = null)
    {
        c ??= new ScoringColumns();
        return scored.GetColumn<string[]>(c.PredictedLabel)
            .Zip(scored.GetColumn<float[]>(c.Score), scored.GetColumn<float[]>(c.PredictedBoundingBoxes))
            .Select(t => (t.First, t.Second, t.Third)).ToList();
    }

    private static void AssertDetections((string[] Labels, float[] Scores, float[] Boxes) expected, (string[] Labels, float[] Scores, float[] Boxes) actual, string what)
    {
        CollectionAssert.AreEqual(expected.Labels, actual.Labels, what + ": labels");
        CollectionAssert.AreEqual(expected.Boxes, actual.Boxes, what + ": boxes");
        Assert.HasCount(expected.Scores.Length, actual.Scores, what + ": score count");
        for (int i = 0; i < expected.Scores.Length; i++)
            Assert.AreEqual(expected.Scores[i], actual.Scores[i], 1e-5, $"{what}: score {i}");
    }

    [TestMethod]
    public void Chain_FeedsRgbPlanesAndImageSize_AndOutputsNamedColumns()
    {
        var ml = new MLContext();
        var images = TestData.Images("test", 3);
        var data = TestData.LoadedImages(ml, images);
        var model = ml.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build())).Fit(data);
        var scored = model.Transform(data);

        var rows = Read(scored);
        Assert.HasCount(3, rows);
        for (int i = 0; i < images.Length; i++) AssertDetections(Expected(images[i]), rows[i], Path.GetFileName(images[i]));
        // Intermediate columns are dropped; the outputs are variable-length vectors.
        foreach (var name in DetectorOnnxNames.Reserved) Assert.IsNull(scored.Schema.GetColumnOrNull(name), name);
        Assert.IsTrue(scored.Schema["PredictedLabel"].Type is VectorDataViewType { Size: 0, ItemType: TextDataViewType }, scored.Schema["PredictedLabel"].Type.ToString());
        Assert.IsTrue(scored.Schema["PredictedBoundingBoxes"].Type is VectorDataViewType { Size: 0, ItemType.RawType: var t } && t == typeof(float));
    }

    [TestMethod]
    public void Chain_ReadsBothMLImagePixelFormats()
    {
        // The same RGB content as Rgba32 and as Bgra32 must score the same (hand-computed from the bytes).
        int h = 6, w = 4;
        var rgb = new byte[h * w * 3];
        new Random(3).NextBytes(rgb);
        byte[] Pack(bool bgra)
        {
            var px = new byte[h * w * 4];
            for (int p = 0; p < h * w; p++)
            {
                px[4 * p] = rgb[3 * p + (bgra ? 2 : 0)];
                px[4 * p + 1] = rgb[3 * p + 1];
                px[4 * p + 2] = rgb[3 * p + (bgra ? 0 : 2)];
                px[4 * p + 3] = 255;
            }
            return px;
        }
        var ml = new MLContext();
        var rows = new[]
        {
            new ModelInput { Image = MLImage.CreateFromPixels(w, h, MLPixelFormat.Rgba32, Pack(false)) },
            new ModelInput { Image = MLImage.CreateFromPixels(w, h, MLPixelFormat.Bgra32, Pack(true)) },
        };
        var data = ml.Data.LoadFromEnumerable(rows);
        var scored = ml.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build())).Fit(data).Transform(data);
        var expected = FakeDetector.Expected(rgb, h, w);
        var got = Read(scored);
        AssertDetections(expected, got[0], "Rgba32");
        AssertDetections(expected, got[1], "Bgra32");
    }

    [TestMethod]
    public void ColumnNames_AreConfigurable_AndReservedNamesRejected()
    {
        var ml = new MLContext();
        var rows = TestData.PathRows(ml, TestData.Images("test", 1));
        var data = ml.Transforms.LoadImages("Photo", "", "ImagePath").Fit(rows).Transform(rows);
        var cols = new ScoringColumns("Photo", "Names", "Confidence", "Rects");
        var est = ml.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build()), cols);
        var scored = est.Fit(data).Transform(data);
        AssertDetections(Expected(TestData.Images("test", 1)[0]), Read(scored, cols)[0], "renamed");
        CollectionAssert.AreEqual(FakeDetector.ClassNames, est.Info.ClassNames.ToArray());

        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build()), new ScoringColumns(Score: "scores")));
        StringAssert.Contains(e.Message, "'scores'");
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => est.Fit(rows));
        StringAssert.Contains(missing.Message, "'Photo'");
    }

    [TestMethod]
    public void ImageLayoutModel_IsRejectedWithTheFix()
    {
        var ml = new MLContext();
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build(flatPixels: false))));
        StringAssert.Contains(e.Message, "FlatPixels");
        var notOnnx = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.DetectObjects(new MemoryStream([1, 2, 3, 4, 5])));
        StringAssert.Contains(notOnnx.Message, "not an ONNX model");
    }

    [TestMethod]
    public void DisposingAFittedOrLoadedChain_DeletesItsTemporaryOnnxCopy()
    {
        // ML.NET writes each chain's ONNX graph to TempFilePath and deletes it only on Dispose: a service that reloads
        // models without disposing them fills its disk.
        var ml = new MLContext { TempFilePath = TestData.TempFolder("onnx-copies") };
        var data = TestData.LoadedImages(ml, TestData.Images("test", 1));
        string zip = Path.Combine(TestData.TempFolder("dispose"), "fake.zip");
        using (var fitted = ml.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build())).Fit(data))
        {
            Assert.HasCount(1, Directory.GetFiles(ml.TempFilePath), "fitting writes one copy of the graph");
            ml.Model.Save(fitted, data.Schema, zip);
        }
        Assert.IsEmpty(Directory.GetFiles(ml.TempFilePath), "disposing the fitted chain deletes its copy");

        var loaded = ml.Model.Load(zip, out _);
        Assert.HasCount(1, Directory.GetFiles(ml.TempFilePath), "loading writes one copy of the graph");
        Assert.IsInstanceOfType<IDisposable>(loaded).Dispose();
        Assert.IsEmpty(Directory.GetFiles(ml.TempFilePath), "disposing the loaded chain deletes its copy");
    }

    [TestMethod]
    public void SavedModel_ScoresIdenticallyInAFreshProcess_WithoutLibtorch()
    {
        var ml = new MLContext();
        var images = TestData.Images("test", 3);
        var data = TestData.LoadedImages(ml, images);
        var model = ml.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build())).Fit(data);
        var dir = TestData.TempFolder("fresh");
        var zip = Path.Combine(dir, "fake.zip");
        ml.Model.Save(model, data.Schema, zip);

        var before = ScoredRows.Json(model.Transform(data), images).ToArray();
        var child = TestData.RunScoreOnly([zip, .. images]);
        CollectionAssert.AreEqual(before, child[..^1], "the fresh process scores differently");
        Assert.AreEqual("{\"libtorch_loaded\":false}", child[^1], "scoring a saved model must not load libtorch");
        // And the numbers are the hand-computed ones.
        var first = JsonDocument.Parse(child[0]).RootElement;
        Assert.AreEqual(Expected(images[0]).Scores[0], float.Parse(first.GetProperty("scores")[0].GetString()!, System.Globalization.CultureInfo.InvariantCulture), 1e-5);
    }

    [TestMethod]
    public void PredictionEngine_WithPocos_AndConcurrentScoring_MatchSerial()
    {
        var ml = new MLContext();
        var images = TestData.Images("test", 6);
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<ModelInput>());
        var model = ml.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build())).Fit(empty);

        var serial = images.Select(p =>
        {
            using var engine = ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model, new PredictionEngineOptions { OwnsTransformer = false });
            using var img = MLImage.CreateFromFile(p);
            var o = engine.Predict(new ModelInput { Image = img });
            return (o.PredictedLabel, o.Score, o.PredictedBoundingBoxes);
        }).ToList();
        for (int i = 0; i < images.Length; i++) AssertDetections(Expected(images[i]), serial[i], "engine " + i);

        // One engine per thread (PredictionEngine is not thread-safe; the transformer is shared, so the engines must
        // not own it: by default disposing an engine disposes the model's ONNX session).
        var results = new (string[], float[], float[])[4, images.Length];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            using var engine = ml.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model, new PredictionEngineOptions { OwnsTransformer = false });
            for (int k = 0; k < images.Length; k++)
            {
                int i = (k + t) % images.Length;
                using var img = MLImage.CreateFromFile(images[i]);
                var o = engine.Predict(new ModelInput { Image = img });
                results[t, i] = (o.PredictedLabel, o.Score, o.PredictedBoundingBoxes);
            }
        });
        for (int t = 0; t < 4; t++)
            for (int i = 0; i < images.Length; i++)
            {
                var (l, s, b) = results[t, i];
                CollectionAssert.AreEqual(serial[i].PredictedLabel, l);
                CollectionAssert.AreEqual(serial[i].Score, s, $"thread {t} image {i}");
                CollectionAssert.AreEqual(serial[i].PredictedBoundingBoxes, b);
            }
    }

    [TestMethod]
    public void GpuRequest_WithoutCuda_FallsBackToCpuOnlyWhenAllowed()
    {
        // This build has the CPU ONNX Runtime, so a GPU request cannot be met.
        Assert.DoesNotContain("CUDAExecutionProvider", Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetAvailableProviders());
        var images = TestData.Images("test", 1);
        var cpu = new MLContext();
        var data = TestData.LoadedImages(cpu, images);
        var expected = Read(cpu.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build())).Fit(data).Transform(data))[0];

        var fallback = new MLContext { GpuDeviceId = 0, FallbackToCpu = true };
        var messages = new List<string>();
        fallback.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var d2 = TestData.LoadedImages(fallback, images);
        AssertDetections(expected, Read(fallback.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build())).Fit(d2).Transform(d2))[0], "fallback");
        Assert.IsTrue(messages.Any(m => m.Contains("scoring on the CPU")), "the fallback is logged");

        var strict = new MLContext { GpuDeviceId = 0, FallbackToCpu = false };
        var d3 = TestData.LoadedImages(strict, images);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => strict.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build())).Fit(d3));
        StringAssert.Contains(e.Message, "Microsoft.ML.OnnxRuntime.Gpu");
    }
}
