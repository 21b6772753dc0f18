using Rcnn.Training;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Structures;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>
/// The whole detector (RPN included) exported by <see cref="DetectorOnnxExporter"/> and scored by ONNX Runtime against
/// GeneralizedRcnn.Inference of the same model on real BCCD images of three sizes, each put through our own test-time
/// resize for the TorchSharp side (DetectionInput with the original Height/Width): same count and order, boxes within
/// 0.5 px, scores within 1e-3, same labels.
/// </summary>
[TestClass]
public sealed class DetectorExportTests
{
    private static readonly string[] Names = { "RBC", "WBC", "Platelets" };

    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    private static (string, TorchSharp.torch.Tensor)[] Feed(OnnxInputLayout layout, ImageBuffer bgr) => layout == OnnxInputLayout.Image
        ? new[] { ("image", TestImages.ToChw(bgr)) }
        : new[]
        {
            ("pixels", TestImages.ToChw(bgr.ToFormat("RGB")).reshape(-1)),
            ("height", tensor(new long[] { bgr.Height })), ("width", tensor(new long[] { bgr.Width })),
        };

    [TestMethod]
    [DataRow(OnnxInputLayout.Image)]
    [DataRow(OnnxInputLayout.FlatPixels)]
    public void WholeDetector_OnBccdImages_MatchesGeneralizedRcnn(OnnxInputLayout layout)
    {
        var (model, cfg) = DetectorBodyExportTests.BccdModel();
        var bytes = DetectorOnnxExporter.ExportToBytes(model, cfg, new DetectorOnnxOptions { InputLayout = layout, ClassNames = Names });
        DetectorBodyExportTests.KeepForChecker($"detector_{layout}", bytes);
        using var ort = new OrtRun(bytes);
        int index = 30;
        foreach (var (h, w) in new[] { (480, 640), (333, 517), (600, 401) })
        {
            using var scope = NewDisposeScope();
            var source = TestImages.Sized(index++, h, w);
            var resized = TestImages.TestResize(source, cfg.Input.MinSizeTest, cfg.Input.MaxSizeTest);
            Instances expected;
            using (no_grad())
                expected = model.Inference(new[] { new DetectionInput(TestImages.ToChw(resized), Height: h, Width: w) })[0];
            var actual = ort.Run(Feed(layout, source));
            DetectionAssert.Equal(expected.PredBoxes.Tensor, expected.Scores, expected.PredClasses,
                actual["boxes"].Floats, actual["scores"].Floats, actual["labels"].Longs, boxTolerance: 0.5, scoreTolerance: 1e-3, what: $"{h}x{w}");
            Assert.IsTrue(expected.Count >= 10, $"{h}x{w}: only {expected.Count} detections");
            CollectionAssert.AreEqual(expected.PredClasses.data<long>().ToArray().Select(l => Names[l]).ToArray(), actual["label_names"].Strings);
        }
    }

    [TestMethod]
    public void WholeDetector_NoDetections_ScoresToEmptyOutputs_FromAFile()
    {
        // Plain random init keeps every class probability near 1/4, far below 0.99.
        manual_seed(8);
        var cfg = RcnnConfig.FromFile(TestFiles.BccdConfig);
        var model = GeneralizedRcnn.FromConfig(cfg);
        model.eval();
        var path = Path.Combine(Path.GetTempPath(), $"rcnn-det-{Guid.NewGuid():N}.onnx");
        try
        {
            DetectorOnnxExporter.Export(model, cfg, path, new DetectorOnnxOptions { ScoreThreshold = 0.99f });
            using var ort = new OrtRun(File.ReadAllBytes(path));
            using var scope = NewDisposeScope();
            var actual = ort.Run(Feed(OnnxInputLayout.Image, TestImages.Sized(40, 480, 640)));
            CollectionAssert.AreEqual(new long[] { 0, 4 }, actual["boxes"].Shape);
            CollectionAssert.AreEqual(new long[] { 0 }, actual["scores"].Shape);
            CollectionAssert.AreEqual(new long[] { 0 }, actual["labels"].Shape);
            CollectionAssert.AreEqual(new long[] { 0 }, actual["label_names"].Shape);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
