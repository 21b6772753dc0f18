using Rcnn.Tests.UserPlugin;
using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling;
using Rcnn.Training.Modeling.Roi;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.Roi;

/// <summary>StandardROIHeads and Res5ROIHeads built from the model-zoo base configs through the ROI_HEADS registry,
/// then run forward in training (losses with gradients) and inference (detections).</summary>
[TestClass]
public class RoiHeadsFromConfigTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    private static string ModelFile(string name) => Path.Combine(AppContext.BaseDirectory, "models", name);

    private static readonly Dictionary<string, ShapeSpec> FpnShapes = new()
    {
        ["p2"] = new(256, 4), ["p3"] = new(256, 8), ["p4"] = new(256, 16), ["p5"] = new(256, 32), ["p6"] = new(256, 64),
    };

    private const int H = 96, W = 128;

    private static Dictionary<string, Tensor> Features(IReadOnlyDictionary<string, ShapeSpec> shapes, int images) =>
        shapes.ToDictionary(kv => kv.Key, kv => randn(images, kv.Value.Channels, 128 / kv.Value.Stride, 128 / kv.Value.Stride));

    private static Instances RandomProposals(int n)
    {
        var xy = rand(n, 2) * tensor(new float[] { W - 30, H - 30 });
        var wh = rand(n, 2) * 25 + 4;
        return new Instances(H, W)
        {
            ProposalBoxes = new Boxes(cat(new[] { xy, xy + wh }, 1)),
            ObjectnessLogits = randn(n),
        };
    }

    private static Instances Targets(params (float X0, float Y0, float X1, float Y1, long Class)[] gt) => new Instances(H, W)
    {
        GtBoxes = new Boxes(tensor(gt.SelectMany(g => new[] { g.X0, g.Y0, g.X1, g.Y1 }).ToArray()).reshape(gt.Length, 4)),
        GtClasses = tensor(gt.Select(g => g.Class).ToArray()),
    };

    private static ImageList Images(int n) => new(zeros(n, 3, 128, 128), Enumerable.Repeat((H, W), n).ToArray());

    [TestMethod]
    public void FpnConfigBuildsStandardRoiHeadsThatTrainAndPredict()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var cfg = RcnnConfig.FromFile(ModelFile("Base-RCNN-FPN.yaml"), ["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0"]);
        using var module = ModelRegistries.Default.RoiHeads.Build(cfg, FpnShapes);
        var heads = module as StandardRoiHeads;
        Assert.IsNotNull(heads, $"got {module.GetType()}");

        Assert.IsInstanceOfType<FastRcnnConvFcHead>(heads.BoxHead);
        Assert.AreEqual(7, heads.BoxPooler.OutputSize);
        Assert.AreEqual((2, 5), (heads.BoxPooler.MinLevel, heads.BoxPooler.MaxLevel), "p2..p5, strides 4..32");
        var state = heads.state_dict();
        CollectionAssert.AreEqual(new long[] { 1024, 256 * 7 * 7 }, state["box_head.fc1.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 1024, 1024 }, state["box_head.fc2.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 81, 1024 }, state["box_predictor.cls_score.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 320, 1024 }, state["box_predictor.bbox_pred.weight"].shape);
        Assert.AreEqual(0.0, heads.BoxPredictor.TestScoreThresh);
        Assert.AreEqual(100, heads.BoxPredictor.TestTopkPerImage);
        Assert.AreEqual((10.0, 10.0, 5.0, 5.0), heads.BoxPredictor.Box2BoxTransform.Weights);

        var features = Features(FpnShapes, 2);
        var proposals = new[] { RandomProposals(40), RandomProposals(30) };
        var targets = new[] { Targets((5, 5, 60, 50, 3), (70, 20, 120, 90, 79)), Targets((10, 10, 40, 40, 0)) };

        heads.train();
        var (sampled, losses) = heads.Forward(Images(2), features, proposals, targets);
        CollectionAssert.AreEquivalent(new[] { "loss_cls", "loss_box_reg" }, losses.Keys.ToArray());
        // 512 per image is more than there are, so every proposal plus the appended gt is sampled.
        CollectionAssert.AreEqual(new[] { 42, 31 }, sampled.Select(s => s.Count).ToArray());
        Assert.AreEqual(42, heads.Sampler.LastSampleCounts[0].Foreground + heads.Sampler.LastSampleCounts[0].Background);
        Assert.IsTrue(heads.Sampler.LastSampleCounts.All(c => c.Foreground >= 1), "the appended gt boxes are foreground");
        // Near-uniform logits over 81 classes: the cross-entropy is close to ln 81.
        Assert.AreEqual(Math.Log(81), losses["loss_cls"].item<float>(), 0.05);
        Assert.IsTrue(losses["loss_box_reg"].item<float>() > 0);

        (losses["loss_cls"] + losses["loss_box_reg"]).backward();
        foreach (var name in new[] { "box_head.fc1.weight", "box_head.fc2.weight", "box_predictor.cls_score.weight", "box_predictor.bbox_pred.weight" })
        {
            var grad = heads.named_parameters().Single(p => p.name == name).parameter.grad;
            Assert.IsNotNull(grad, name);
            Assert.IsTrue(grad.abs().sum().item<float>() > 0, $"{name} has a zero gradient");
        }

        heads.eval();
        using (no_grad())
        {
            var (detections, evalLosses) = heads.Forward(Images(2), features, proposals);
            Assert.AreEqual(0, evalLosses.Count);
            Assert.AreEqual(2, detections.Count);
            foreach (var d in detections)
            {
                CollectionAssert.AreEquivalent(new[] { "pred_boxes", "scores", "pred_classes" }, d.FieldNames.ToArray());
                Assert.IsTrue(d.Count is > 0 and <= 100, $"{d.Count} detections");
                var b = d.PredBoxes.Tensor;
                Assert.IsTrue(b.ge(0).all().item<bool>() && b[.., 2].le(W).all().item<bool>() && b[.., 3].le(H).all().item<bool>(), "clipped");
                Assert.IsTrue(d.PredClasses.ge(0).all().item<bool>() && d.PredClasses.lt(80).all().item<bool>());
                Assert.IsTrue(d.Scores[TensorIndex.Slice(0, -1)].ge(d.Scores[TensorIndex.Slice(1, null)]).all().item<bool>(), "sorted by score");
            }
        }
    }

    [TestMethod]
    public void UserBoxHeadFromTheRegistrySizesThePredictor()
    {
        using var scope = NewDisposeScope();
        var cfg = RcnnConfig.FromFile(ModelFile("Base-RCNN-FPN.yaml"),
            ["MODEL.ROI_BOX_HEAD.NAME", UserFcBoxHead.RegisteredName, "MODEL.ROI_BOX_HEAD.FC_DIM", "24", "MODEL.ROI_HEADS.NUM_CLASSES", "3"]);
        using var heads = StandardRoiHeads.FromConfig(cfg, FpnShapes);
        Assert.IsInstanceOfType<UserFcBoxHead>(heads.BoxHead);
        CollectionAssert.AreEqual(new long[] { 4, 24 }, heads.state_dict()["box_predictor.cls_score.weight"].shape);
        Assert.IsTrue(heads.BoxHead.training, "measuring the head's output leaves its mode alone");
    }

    [TestMethod]
    public void MissingInputFeatureIsAConfigError()
    {
        var cfg = RcnnConfig.FromFile(ModelFile("Base-RCNN-FPN.yaml"));
        var shapes = FpnShapes.Where(kv => kv.Key != "p4").ToDictionary();
        var e = Assert.ThrowsExactly<ConfigException>(() => StandardRoiHeads.FromConfig(cfg, shapes));
        StringAssert.Contains(e.Message, "'p4'");
    }

    [TestMethod]
    public void C4ConfigBuildsRes5RoiHeadsThatTrainAndPredict()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var cfg = RcnnConfig.FromFile(ModelFile("Base-RCNN-C4.yaml"),
            ["MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", "6", "MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0"]);
        var shapes = new Dictionary<string, ShapeSpec> { ["res4"] = new(1024, 16) };
        using var module = ModelRegistries.Default.RoiHeads.Build(cfg, shapes);
        var heads = module as Res5RoiHeads;
        Assert.IsNotNull(heads, $"got {module.GetType()}");
        Assert.AreEqual(14, heads.Pooler.OutputSize);
        Assert.AreEqual(4, heads.Pooler.MinLevel, "scale 1/16");

        var state = heads.state_dict();
        // detectron2's res5 head: 3 bottlenecks, 1024 -> 2048 with 512 bottleneck channels, stride in the first 1x1.
        CollectionAssert.AreEqual(new long[] { 512, 1024, 1, 1 }, state["res5.0.conv1.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 2048, 1024, 1, 1 }, state["res5.0.shortcut.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 512, 512, 3, 3 }, state["res5.2.conv2.weight"].shape);
        Assert.IsTrue(state.ContainsKey("res5.2.conv3.norm.running_var"), "FrozenBN from MODEL.RESNETS.NORM");
        Assert.IsFalse(state.Keys.Any(k => k.StartsWith("res5.1.shortcut")), "only the first block changes channels");
        CollectionAssert.AreEqual(new long[] { 81, 2048 }, state["box_predictor.cls_score.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 320, 2048 }, state["box_predictor.bbox_pred.weight"].shape);

        var features = Features(shapes, 1);
        var proposals = new[] { RandomProposals(8) };
        heads.train();
        var (_, losses) = heads.Forward(Images(1), features, proposals, [Targets((5, 5, 60, 50, 2))]);
        Assert.AreEqual(6, heads.Sampler.LastSampleCounts[0].Foreground + heads.Sampler.LastSampleCounts[0].Background);
        // Untrained res5 features are large, so the logits are not uniform: only check the losses are usable.
        Assert.IsTrue(float.IsFinite(losses["loss_cls"].item<float>()) && losses["loss_cls"].item<float>() > 0);
        Assert.IsTrue(float.IsFinite(losses["loss_box_reg"].item<float>()) && losses["loss_box_reg"].item<float>() > 0);
        (losses["loss_cls"] + losses["loss_box_reg"]).backward();
        var grad = heads.named_parameters().Single(p => p.name == "res5.0.conv2.weight").parameter.grad;
        Assert.IsNotNull(grad);
        Assert.IsTrue(grad.abs().sum().item<float>() > 0, "gradients reach res5");

        heads.eval();
        using (no_grad())
        {
            var (detections, _) = heads.Forward(Images(1), features, [RandomProposals(3)]);
            Assert.AreEqual(1, detections.Count);
            Assert.IsTrue(detections[0].Count is > 0 and <= 100);
            CollectionAssert.AreEquivalent(new[] { "pred_boxes", "scores", "pred_classes" }, detections[0].FieldNames.ToArray());
        }
    }
}
