using System.IO.Compression;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Scoring;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Tests;

/// <summary>
/// Models saved before the byte pixel contract still load and score. tests/fixtures/mlnet_float_chain_v1.zip was saved
/// by main at eec70ca (chain: CustomMapping "Rcnn.ImageToPixels" + float graph) from <see cref="FakeDetector"/>
/// fitted on the first BCCD test image; it must keep scoring like a chain built today and like the hand computation.
/// </summary>
[TestClass]
public sealed class SavedModelCompatibilityTests
{
    private static string Fixture => Path.Combine(Path.GetDirectoryName(BuiltinDatasets.FindRoot())!, "tests", "fixtures", "mlnet_float_chain_v1.zip");

    private static List<(string[] Labels, float[] Scores, float[] Boxes)> Score(ITransformer model, IDataView data)
    {
        var scored = model.Transform(data);
        return scored.GetColumn<string[]>("PredictedLabel").Zip(scored.GetColumn<float[]>("Score"), scored.GetColumn<float[]>("PredictedBoundingBoxes"))
            .Select(t => (t.First, t.Second, t.Third)).ToList();
    }

    /// <summary>The pixel-mapping contract names a saved chain records (ML.NET stores them as UTF-16).</summary>
    private static string[] Contracts(string zip)
    {
        using var archive = ZipFile.OpenRead(zip);
        var found = new List<string>();
        foreach (var entry in archive.Entries.Where(e => e.Name == "Model.key"))
        {
            using var s = entry.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            var bytes = m.ToArray();
            // "Rcnn.ImageToPixels" is no prefix of "Rcnn.ImageToPixelBytes", so a plain search tells them apart.
            foreach (var c in new[] { ImageToPixelBytesFactory.ContractName, ImageToPixelsFactory.ContractName })
                if (bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(c)) >= 0) found.Add(c);
        }
        return [.. found];
    }

    /// <summary>The saved chain <paramref name="zip"/> records <paramref name="contract"/>, loads, and scores three BCCD
    /// test images exactly like a chain fitted today and like the hand computation.</summary>
    private static void AssertLoadsAndScoresLikeAFreshChainAndTheHandComputation(string zip, string contract)
    {
        Assert.IsTrue(File.Exists(zip), zip);
        CollectionAssert.AreEqual(new[] { contract }, Contracts(zip), $"the fixture is a {contract} chain");
        var ml = new MLContext();
        ml.ComponentCatalog.RegisterAssembly(typeof(ImageToPixelsFactory).Assembly);
        var images = TestData.Images("test", 3);
        var data = TestData.LoadedImages(ml, images);
        var saved = Score(ml.Model.Load(zip, out _), data);
        var fresh = Score(ml.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build())).Fit(data), data);
        Assert.HasCount(3, saved);
        for (int i = 0; i < images.Length; i++)
        {
            string what = Path.GetFileName(images[i]);
            CollectionAssert.AreEqual(fresh[i].Labels, saved[i].Labels, what);
            CollectionAssert.AreEqual(fresh[i].Scores, saved[i].Scores, what + ": scores, exactly");
            CollectionAssert.AreEqual(fresh[i].Boxes, saved[i].Boxes, what);
            var rgb = ImageReader.Read(images[i], "RGB");
            var expected = FakeDetector.Expected(rgb.Data, rgb.Height, rgb.Width);
            CollectionAssert.AreEqual(expected.Boxes, saved[i].Boxes, what);
            for (int k = 0; k < 2; k++) Assert.AreEqual(expected.Scores[k], saved[i].Scores[k], 1e-5, what);
        }
    }

    [TestMethod]
    public void V1FloatChain_Loads_AndScoresLikeAFreshChainAndTheHandComputation() =>
        AssertLoadsAndScoresLikeAFreshChainAndTheHandComputation(Fixture, ImageToPixelsFactory.ContractName);

    /// <summary>tests/fixtures/mlnet_byte_chain_mlnet501.zip: <c>DetectObjects</c> of <see cref="FakeDetector"/> fitted on
    /// the first BCCD test image and saved by the ML.NET 5.0.1 build (main at 2026-12-08, before the move to ML.NET 6).</summary>
    private static string Fixture501 => Path.Combine(Path.GetDirectoryName(Fixture)!, "mlnet_byte_chain_mlnet501.zip");

    [TestMethod]
    public void AModelSavedByTheMlNet501Build_Loads_AndScoresLikeAFreshChainAndTheHandComputation() =>
        AssertLoadsAndScoresLikeAFreshChainAndTheHandComputation(Fixture501, ImageToPixelBytesFactory.ContractName);

    [TestMethod]
    public void NewChains_SaveTheByteContract_FloatPixelsTheOldOne_AndBothRoundTrip()
    {
        var ml = new MLContext();
        var images = TestData.Images("test", 2);
        var data = TestData.LoadedImages(ml, images);
        var dir = TestData.TempFolder("contracts");
        var results = new Dictionary<bool, List<(string[] Labels, float[] Scores, float[] Boxes)>>();
        foreach (bool floatPixels in new[] { false, true })
        {
            var model = new DetectorScoringEstimator(ml.Transforms, FakeDetector.Build()) { FloatPixels = floatPixels }.Fit(data);
            var zip = Path.Combine(dir, $"float_{floatPixels}.zip");
            ml.Model.Save(model, data.Schema, zip);
            var contract = floatPixels ? ImageToPixelsFactory.ContractName : ImageToPixelBytesFactory.ContractName;
            CollectionAssert.AreEqual(new[] { contract }, Contracts(zip));
            var before = Score(model, data);
            var loaded = new MLContext();
            loaded.ComponentCatalog.RegisterAssembly(typeof(ImageToPixelsFactory).Assembly);
            var after = Score(loaded.Model.Load(zip, out _), TestData.LoadedImages(loaded, images));
            for (int i = 0; i < images.Length; i++)
            {
                CollectionAssert.AreEqual(before[i].Scores, after[i].Scores);
                CollectionAssert.AreEqual(before[i].Boxes, after[i].Boxes);
            }
            results[floatPixels] = before;
        }
        for (int i = 0; i < images.Length; i++)
            CollectionAssert.AreEqual(results[true][i].Scores, results[false][i].Scores, "byte route vs float route");
    }
}
