using Rcnn.Onnx.Export;
using Rcnn.Onnx.Protos;
using Rcnn.Training;
using Rcnn.Training.Config;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Modeling.Roi;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>The ROI heads exported with proposals as a graph input, against the TorchSharp modules of the same model
/// (RoiPooler, FastRcnnConvFcHead, FastRcnnOutputLayers and StandardRoiHeads.Forward in eval mode).</summary>
[TestClass]
public sealed class RoiHeadsExportTests
{
    // The image is 256x341; the backbone sees it padded to a multiple of 32.
    private const int Height = 256, Width = 341, PaddedWidth = 352;

    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    /// <summary>The BCCD R-18 FPN model (GN box head), random init, with sharper class logits so scores spread out.</summary>
    private static GeneralizedRcnn Model(params string[] overrides)
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
        return model;
    }

    /// <summary>Boxes of 4..600 px so every FPN level gets some, a few reaching outside the image.</summary>
    private static Tensor Proposals(int count, int seed)
    {
        var gen = new Generator((ulong)seed);
        var size = exp(rand(count, 2, generator: gen) * Math.Log(150)) * 4;
        var centre = rand(count, 2, generator: gen) * tensor(new float[] { Width, Height });
        return cat(new[] { centre - size / 2, centre + size / 2 }, 1);
    }

    private static Dictionary<string, Tensor> Features(GeneralizedRcnn model, int seed)
    {
        var gen = new Generator((ulong)seed);
        using var _ = no_grad();
        return model.Backbone.call(randn(new long[] { 1, 3, Height, PaddedWidth }, generator: gen));
    }

    /// <summary>A graph with the heads' feature values, proposals and image size as inputs.</summary>
    private static (OnnxGraphBuilder G, Dictionary<string, string> Features, string Proposals, string ImageSize) Inputs(
        StandardRoiHeads heads, Dictionary<string, Tensor> features)
    {
        var g = new OnnxGraphBuilder("roi_heads_test");
        var values = heads.InFeatures.ToDictionary(f => f,
            f => g.AddInput(f, TensorProto.Types.DataType.Float, 1, features[f].shape[1], $"{f}_h", $"{f}_w"));
        var proposals = g.AddInput("proposals", TensorProto.Types.DataType.Float, "R", 4);
        var size = g.AddInput("image_size", TensorProto.Types.DataType.Int64, 2);
        return (g, values, proposals, size);
    }

    private static (string, Tensor)[] Feed(StandardRoiHeads heads, Dictionary<string, Tensor> features, Tensor proposals) =>
        heads.InFeatures.Select(f => (f, features[f])).Append(("proposals", proposals))
            .Append(("image_size", tensor(new long[] { Height, Width }))).ToArray();

    [TestMethod]
    public void PooledFeatures_AndBoxHeadOutputs_MatchTorch()
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var heads = (StandardRoiHeads)model.RoiHeads;
        var features = Features(model, 3);
        var proposals = Proposals(300, 4);
        var (g, values, props, _) = Inputs(heads, features);
        var levels = heads.InFeatures.Select(f => values[f]).ToList();
        var pooled = RoiPoolerExporter.Emit(g, heads.BoxPooler, levels, props, "box_pooler");
        var head = BoxHeadExporter.EmitHead(g, heads.BoxHead, "box_head", pooled);
        var (logits, deltas) = BoxHeadExporter.EmitPredictor(g, heads.BoxPredictor, "box_predictor", head);
        g.AddOutput(pooled, TensorProto.Types.DataType.Float, "R", OnnxDim.Unknown, OnnxDim.Unknown, OnnxDim.Unknown);
        foreach (var v in new[] { head, logits, deltas }) g.AddOutput(v, TensorProto.Types.DataType.Float, "R", OnnxDim.Unknown);

        Tensor refPooled, refHead, refLogits, refDeltas;
        using (no_grad())
        {
            refPooled = heads.BoxPooler.Forward(heads.InFeatures.Select(f => features[f]).ToList(), new[] { new Boxes(proposals) });
            refHead = heads.BoxHead.call(refPooled);
            (refLogits, refDeltas) = heads.BoxPredictor.call(refHead);
        }
        // Every level must be used, or the scatter back into proposal order would go untested.
        var levelIds = Rcnn.Training.Modeling.RoiPooler.AssignBoxesToLevels(new[] { new Boxes(proposals) },
            heads.BoxPooler.MinLevel, heads.BoxPooler.MaxLevel, heads.BoxPooler.CanonicalBoxSize, heads.BoxPooler.CanonicalLevel);
        Assert.AreEqual(heads.BoxPooler.LevelPoolers.Count, levelIds.unique().Item1.shape[0], "proposals cover every level");

        using var ort = new OrtRun(g.ToBytes());
        var outputs = ort.Run(Feed(heads, features, proposals));
        foreach (var (name, reference) in new[] { (pooled, refPooled), (head, refHead), (logits, refLogits), (deltas, refDeltas) })
        {
            CollectionAssert.AreEqual(reference.shape, outputs[name].Shape, $"shape of {name}");
            double rel = OrtRun.RelativeError(outputs[name].Floats, reference, name);
            Console.WriteLine($"{name}: relative error {rel:E2}");
            Assert.IsTrue(rel < 1e-4, $"{name}: max|diff|/max|ref| = {rel:E3}");
        }
    }

    [TestMethod]
    [DataRow(0.05, 0.5, 100)]
    [DataRow(0.3, 0.3, 20)]
    public void Detections_FromFixedProposals_MatchStandardRoiHeads(double scoreThresh, double nmsThresh, int topk)
    {
        using var scope = NewDisposeScope();
        var model = Model("MODEL.ROI_HEADS.SCORE_THRESH_TEST", scoreThresh.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "MODEL.ROI_HEADS.NMS_THRESH_TEST", nmsThresh.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "TEST.DETECTIONS_PER_IMAGE", topk.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var heads = (StandardRoiHeads)model.RoiHeads;
        var features = Features(model, 5);
        var proposals = Proposals(400, 6);
        var (g, values, props, size) = Inputs(heads, features);
        var (boxes, scores, classes) = RoiHeadsExporter.Emit(g, heads, values, props, size);
        g.AddOutput(boxes, TensorProto.Types.DataType.Float, "K", 4);
        g.AddOutput(scores, TensorProto.Types.DataType.Float, "K");
        g.AddOutput(classes, TensorProto.Types.DataType.Int64, "K");

        Instances expected;
        using (no_grad())
        {
            var images = new ImageList(zeros(1, 3, Height, PaddedWidth), new[] { (Height, Width) });
            var input = new Instances(Height, Width) { ProposalBoxes = new Boxes(proposals) };
            expected = heads.Forward(images, features, new[] { input }).Results[0];
        }
        using var ort = new OrtRun(g.ToBytes());
        var outputs = ort.Run(Feed(heads, features, proposals));
        DetectionAssert.Equal(expected.PredBoxes.Tensor, expected.Scores, expected.PredClasses,
            outputs[boxes].Floats, outputs[scores].Floats, outputs[classes].Longs, boxTolerance: 1e-3, scoreTolerance: 1e-5);
        Assert.IsTrue(expected.Count > 5, $"only {expected.Count} detections: too few to test ordering");
        if (topk < 100) Assert.AreEqual(topk, expected.Count, "the top-k cut is exercised");
    }

    [TestMethod]
    public void Res5RoiHeads_C4_DetectionsFromFixedProposals_MatchTorch()
    {
        // R-50-C4, random init, 3 classes; a 128x160 input and 40 proposals keep the res5 stage on every box cheap.
        using var scope = NewDisposeScope();
        manual_seed(9);
        var cfg = RcnnConfig.FromFile(Path.Combine(TestFiles.RepoRoot, "models", "COCO-Detection", "faster_rcnn_R_50_C4_1x.yaml"),
            new[] { "MODEL.ROI_HEADS.NUM_CLASSES", "3" });
        var model = GeneralizedRcnn.FromConfig(cfg);
        OnnxParity.Randomize(model, 22);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("cls_score.weight")) p.mul_(40);
                else if (name.EndsWith("bbox_pred.weight")) p.mul_(100);
        model.eval();
        var heads = (Res5RoiHeads)model.RoiHeads;
        Dictionary<string, Tensor> features;
        using (no_grad()) features = model.Backbone.call(randn(new long[] { 1, 3, 128, 160 }, generator: new Generator(31)));
        var gen = new Generator(32);
        var size = exp(rand(40, 2, generator: gen) * Math.Log(30)) * 4;
        var centre = rand(40, 2, generator: gen) * tensor(new float[] { 160, 128 });
        var proposals = cat(new[] { centre - size / 2, centre + size / 2 }, 1);

        var g = new OnnxGraphBuilder("res5_heads_test");
        var res4 = g.AddInput("res4", TensorProto.Types.DataType.Float, 1, features["res4"].shape[1], "h", "w");
        var props = g.AddInput("proposals", TensorProto.Types.DataType.Float, "R", 4);
        var imageSize = g.AddInput("image_size", TensorProto.Types.DataType.Int64, 2);
        var (boxes, scores, classes) = RoiHeadsExporter.Emit(g, heads, new Dictionary<string, string> { ["res4"] = res4 }, props, imageSize);
        g.AddOutput(boxes, TensorProto.Types.DataType.Float, "K", 4);
        g.AddOutput(scores, TensorProto.Types.DataType.Float, "K");
        g.AddOutput(classes, TensorProto.Types.DataType.Int64, "K");

        Instances expected;
        using (no_grad())
        {
            var images = new ImageList(zeros(1, 3, 128, 160), new[] { (128, 160) });
            expected = heads.Forward(images, features, new[] { new Instances(128, 160) { ProposalBoxes = new Boxes(proposals) } }).Results[0];
        }
        using var ort = new OrtRun(g.ToBytes());
        var outputs = ort.Run(("res4", features["res4"]), ("proposals", proposals), ("image_size", tensor(new long[] { 128, 160 })));
        DetectionAssert.Equal(expected.PredBoxes.Tensor, expected.Scores, expected.PredClasses,
            outputs[boxes].Floats, outputs[scores].Floats, outputs[classes].Longs, boxTolerance: 0.05, scoreTolerance: 1e-3, what: "C4");
        Assert.IsTrue(expected.Count > 5, $"only {expected.Count} detections");
    }
}
