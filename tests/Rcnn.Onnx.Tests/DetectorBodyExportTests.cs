using Rcnn.Onnx.Export;
using Rcnn.Onnx.Protos;
using Rcnn.Training;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>
/// The detector graph with the proposals as a graph input (everything but the RPN: input layouts, in-graph resize,
/// normalisation, padding, backbone, ROI heads, rescale to the input image, label names) against GeneralizedRcnn.Inference
/// of the same modules without a proposal generator, given the same proposals, on real BCCD images of three sizes put
/// through our own test-time resize.
/// </summary>
[TestClass]
public sealed class DetectorBodyExportTests
{
    private static readonly string[] Names = { "RBC", "WBC", "Platelets" };

    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    internal static (GeneralizedRcnn Model, RcnnConfig Cfg) BccdModel(params string[] overrides)
    {
        manual_seed(7);
        var cfg = RcnnConfig.FromFile(TestFiles.BccdConfig, overrides);
        var model = GeneralizedRcnn.FromConfig(cfg);
        OnnxParity.Randomize(model, 21);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("cls_score.weight")) p.mul_(40);
                else if (name.EndsWith("bbox_pred.weight")) p.mul_(100);
        model.eval();
        return (model, cfg);
    }

    private static byte[] Export(GeneralizedRcnn model, RcnnConfig cfg, DetectorOnnxOptions options)
    {
        var bytes = DetectorGraph.Build(model, cfg, options, (g, _, _) => g.AddInput("proposals", TensorProto.Types.DataType.Float, "R", 4)).ToBytes();
        KeepForChecker($"detector_body_{options.InputLayout}", bytes);
        return bytes;
    }

    /// <summary>Developer hook: with RCNN_ONNX_KEEP_DIR set, keep the file for tools/fixtures/onnx_check.py.</summary>
    internal static void KeepForChecker(string name, byte[] bytes)
    {
        if (Environment.GetEnvironmentVariable("RCNN_ONNX_KEEP_DIR") is { Length: > 0 } keep)
            File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(keep).FullName, name + ".onnx"), bytes);
    }

    /// <summary>Seeded boxes of 4..600 px inside (and a little outside) the resized image.</summary>
    private static Tensor Proposals(int height, int width, int seed)
    {
        var gen = new Generator((ulong)seed);
        var size = exp(rand(300, 2, generator: gen) * Math.Log(150)) * 4;
        var centre = rand(300, 2, generator: gen) * tensor(new float[] { width, height });
        return cat(new[] { centre - size / 2, centre + size / 2 }, 1);
    }

    private static (string, Tensor)[] Feed(OnnxInputLayout layout, ImageBuffer bgr, Tensor proposals) => layout switch
    {
        OnnxInputLayout.Image => new[] { ("image", TestImages.ToChw(bgr)), ("proposals", proposals) },
        _ => new[]
        {
            ("pixels", TestImages.ToChw(bgr.ToFormat("RGB")).reshape(-1)),
            ("height", tensor(new long[] { bgr.Height })), ("width", tensor(new long[] { bgr.Width })), ("proposals", proposals),
        },
    };

    // One layout here: DetectorExportTests runs both through the same body.
    [TestMethod]
    public void Detections_OnBccdImages_MatchGeneralizedRcnn()
    {
        const OnnxInputLayout layout = OnnxInputLayout.Image;
        var (model, cfg) = BccdModel();
        var body = new GeneralizedRcnn(model.Backbone, null, model.RoiHeads, cfg.Model.PixelMean, cfg.Model.PixelStd, cfg.Input.Format);
        body.eval();
        using var ort = new OrtRun(Export(model, cfg, new DetectorOnnxOptions { InputLayout = layout, ClassNames = Names }));
        int index = 10;
        foreach (var (h, w) in new[] { (480, 640), (333, 517), (600, 401) })
        {
            using var scope = NewDisposeScope();
            var source = TestImages.Sized(index++, h, w);
            var resized = TestImages.TestResize(source, cfg.Input.MinSizeTest, cfg.Input.MaxSizeTest);
            var proposals = Proposals(resized.Height, resized.Width, h + w);
            Instances expected;
            using (no_grad())
                expected = body.Inference(new[] { new DetectionInput(TestImages.ToChw(resized),
                    Proposals: new Instances(resized.Height, resized.Width) { ProposalBoxes = new Boxes(proposals) }, Height: h, Width: w) })[0];
            var actual = ort.Run(Feed(layout, source, proposals));
            DetectionAssert.Equal(expected.PredBoxes.Tensor, expected.Scores, expected.PredClasses,
                actual["boxes"].Floats, actual["scores"].Floats, actual["labels"].Longs, boxTolerance: 0.05, scoreTolerance: 1e-4, what: $"{h}x{w}");
            Assert.IsTrue(expected.Count >= 10, $"{h}x{w}: only {expected.Count} detections");
            var labels = expected.PredClasses.data<long>().ToArray();
            CollectionAssert.AreEqual(labels.Select(l => Names[l]).ToArray(), actual["label_names"].Strings, $"{h}x{w} label names");
            CollectionAssert.AreEqual(new long[] { expected.Count, 4 }, actual["boxes"].Shape);
        }
    }

    [TestMethod]
    public void NoDetections_ScoreToEmptyOutputs()
    {
        // Plain random init: cls_score ~ N(0, 0.01^2) keeps every class probability near 1/4, far below 0.99.
        manual_seed(8);
        var cfg = RcnnConfig.FromFile(TestFiles.BccdConfig);
        var model = GeneralizedRcnn.FromConfig(cfg);
        model.eval();
        using var ort = new OrtRun(Export(model, cfg, new DetectorOnnxOptions { ScoreThreshold = 0.99f }));
        using var scope = NewDisposeScope();
        var source = TestImages.Sized(20, 333, 517);
        var actual = ort.Run(Feed(OnnxInputLayout.Image, source, Proposals(256, 397, 1)));
        CollectionAssert.AreEqual(new long[] { 0, 4 }, actual["boxes"].Shape);
        CollectionAssert.AreEqual(new long[] { 0 }, actual["scores"].Shape);
        CollectionAssert.AreEqual(new long[] { 0 }, actual["labels"].Shape);
        CollectionAssert.AreEqual(new long[] { 0 }, actual["label_names"].Shape);
        // The same graph at the config's threshold does detect: the empty result comes from the threshold alone.
        using var loose = new OrtRun(Export(model, cfg, new DetectorOnnxOptions()));
        Assert.IsTrue(loose.Run(Feed(OnnxInputLayout.Image, source, Proposals(256, 397, 1)))["scores"].Floats.Length > 0);
    }

    [TestMethod]
    public void ZeroProposals_ScoreToEmptyOutputs()
    {
        var (model, cfg) = BccdModel();
        using var ort = new OrtRun(Export(model, cfg, new DetectorOnnxOptions()));
        using var scope = NewDisposeScope();
        var actual = ort.Run(Feed(OnnxInputLayout.Image, TestImages.Sized(21, 480, 640), zeros(0, 4)));
        CollectionAssert.AreEqual(new long[] { 0, 4 }, actual["boxes"].Shape);
        CollectionAssert.AreEqual(new long[] { 0 }, actual["label_names"].Shape);
    }
}
