using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling;
using Rcnn.Training.Modeling.ProposalGenerators;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.ProposalGenerators;

[TestClass]
public class RpnFromConfigTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    private static readonly string[] Levels = ["p2", "p3", "p4", "p5", "p6"];

    private static RcnnConfig BaseFpn() =>
        RcnnConfig.FromFile(Path.Combine(AppContext.BaseDirectory, "models", "Base-RCNN-FPN.yaml"));

    /// <summary>FPN outputs: 256 channels at strides 4..64 (and a level the RPN does not read).</summary>
    private static Dictionary<string, ShapeSpec> FpnShapes() => new()
    {
        ["p2"] = new(256, 4), ["p3"] = new(256, 8), ["p4"] = new(256, 16), ["p5"] = new(256, 32), ["p6"] = new(256, 64),
        ["res5"] = new(2048, 32),
    };

    private static Rpn Build(RcnnConfig cfg) => (Rpn)ModelRegistries.Default.ProposalGenerator.Build(cfg, FpnShapes());

    [TestMethod]
    public void BaseRcnnFpnBuildsThroughTheRegistries()
    {
        // Values from models/Base-RCNN-FPN.yaml over detectron2's defaults.
        using var rpn = Build(BaseFpn());
        CollectionAssert.AreEqual(Levels, rpn.InFeatures.ToArray());
        CollectionAssert.AreEqual(new[] { 4, 8, 16, 32, 64 }, rpn.AnchorGenerator.Strides.ToArray());
        CollectionAssert.AreEqual(new[] { 3, 3, 3, 3, 3 }, rpn.AnchorGenerator.NumCellAnchors.ToArray());
        Assert.AreEqual(0.0, rpn.AnchorGenerator.Offset);
        // p4's single cell anchor size 128 at ratio 1 is (-64, -64, 64, 64), the middle of the three.
        CollectionAssert.AreEqual(new float[] { -64, -64, 64, 64 }, rpn.AnchorGenerator.CellAnchors(2)[1].data<float>().ToArray());
        Assert.AreEqual(3, rpn.Head.NumAnchors);
        Assert.AreEqual((2000, 1000), rpn.PreNmsTopk);
        Assert.AreEqual((1000, 1000), rpn.PostNmsTopk);
        Assert.AreEqual(0.7, rpn.NmsThresh);
        Assert.AreEqual(256, rpn.BatchSizePerImage);
        Assert.AreEqual(0.5, rpn.PositiveFraction);
        Assert.AreEqual(0.0, rpn.MinBoxSize);
        Assert.AreEqual(-1.0, rpn.AnchorBoundaryThresh);
        Assert.AreEqual((1.0, 1.0), rpn.LossWeight);
        Assert.AreEqual("smooth_l1", rpn.BoxRegLossType);
        Assert.AreEqual(0.0, rpn.SmoothL1Beta);
        Assert.AreEqual((1.0, 1.0, 1.0, 1.0), rpn.Box2BoxTransform.Weights);
        CollectionAssert.AreEqual(new[] { double.NegativeInfinity, 0.3, 0.7, double.PositiveInfinity }, rpn.AnchorMatcher.Thresholds.ToArray());
        CollectionAssert.AreEqual(new sbyte[] { 0, -1, 1 }, rpn.AnchorMatcher.Labels.ToArray());
        Assert.IsTrue(rpn.AnchorMatcher.AllowLowQualityMatches);

        // Checkpoint names: only the head has state (the cell anchors are not persistent).
        CollectionAssert.AreEquivalent(
            new[] { "rpn_head.conv.weight", "rpn_head.conv.bias", "rpn_head.objectness_logits.weight", "rpn_head.objectness_logits.bias",
                "rpn_head.anchor_deltas.weight", "rpn_head.anchor_deltas.bias" },
            rpn.state_dict().Keys.ToArray());
        CollectionAssert.AreEqual(new long[] { 12, 256, 1, 1 }, rpn.state_dict()["rpn_head.anchor_deltas.weight"].shape);
    }

    [TestMethod]
    public void OverridesReachTheModule()
    {
        var cfg = BaseFpn();
        cfg.MergeFromList([
            "MODEL.PROPOSAL_GENERATOR.MIN_SIZE", "2.5", "MODEL.RPN.LOSS_WEIGHT", "0.5", "MODEL.RPN.BBOX_REG_LOSS_WEIGHT", "4.0",
            "MODEL.RPN.BBOX_REG_LOSS_TYPE", "giou", "MODEL.RPN.BOUNDARY_THRESH", "0", "MODEL.RPN.NMS_THRESH", "0.6",
            "MODEL.RPN.BATCH_SIZE_PER_IMAGE", "128", "MODEL.RPN.BBOX_REG_WEIGHTS", "(2.0, 2.0, 1.0, 1.0)",
            "MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS", "[[1.0]]", "MODEL.RPN.CONV_DIMS", "[64]",
        ]);
        using var rpn = Build(cfg);
        Assert.AreEqual(2.5, rpn.MinBoxSize);
        Assert.AreEqual((0.5, 2.0), rpn.LossWeight); // loc = BBOX_REG_LOSS_WEIGHT * LOSS_WEIGHT, as detectron2
        Assert.AreEqual("giou", rpn.BoxRegLossType);
        Assert.AreEqual(0.0, rpn.AnchorBoundaryThresh);
        Assert.AreEqual(0.6, rpn.NmsThresh);
        Assert.AreEqual(128, rpn.BatchSizePerImage);
        Assert.AreEqual((2.0, 2.0, 1.0, 1.0), rpn.Box2BoxTransform.Weights);
        Assert.AreEqual(1, rpn.Head.NumAnchors);
        CollectionAssert.AreEqual(new long[] { 64, 256, 3, 3 }, rpn.state_dict()["rpn_head.conv.weight"].shape);
    }

    [TestMethod]
    public void MissingInFeatureIsAConfigError()
    {
        var cfg = BaseFpn();
        cfg.MergeFromList(["MODEL.RPN.IN_FEATURES", "['p2', 'p7']"]);
        var e = Assert.ThrowsExactly<ConfigException>(() => Build(cfg));
        Assert.AreEqual("MODEL.RPN.IN_FEATURES", e.Key);
        StringAssert.Contains(e.Message, "'p7'");
    }

    [TestMethod]
    public void UnsupportedLossTypeIsRejected()
    {
        // detectron2 also offers diou/ciou; this port implements smooth_l1 and giou only.
        var cfg = BaseFpn();
        cfg.MergeFromList(["MODEL.RPN.BBOX_REG_LOSS_TYPE", "diou"]);
        var e = Assert.ThrowsExactly<ArgumentException>(() => Build(cfg));
        Assert.AreEqual("boxRegLossType", e.ParamName);
        StringAssert.Contains(e.Message, "\"diou\"");
    }

    [TestMethod]
    public void TrainingForwardGivesBothLossesWithGradientsIntoTheHead()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var rpn = Build(BaseFpn());
        rpn.train();
        // Two 64x64 images (the second 48x56 unpadded): p2..p6 maps of 16, 8, 4, 2, 1.
        var features = new Dictionary<string, Tensor>();
        for (int i = 0; i < Levels.Length; i++) features[Levels[i]] = randn(2, 256, 16 >> i, 16 >> i);
        var images = new ImageList(zeros(2, 3, 64, 64), [(64, 64), (48, 56)]);
        var gt = new List<Instances>
        {
            new(64, 64) { GtBoxes = new Boxes(tensor(new float[] { 4, 6, 30, 40, 20, 20, 60, 50 }).reshape(2, 4)) },
            new(48, 56) { GtBoxes = new Boxes(tensor(new float[] { 10, 5, 50, 45 }).reshape(1, 4)) },
        };

        var (proposals, losses) = rpn.Forward(images, features, gt);
        CollectionAssert.AreEquivalent(new[] { "loss_rpn_cls", "loss_rpn_loc" }, losses.Keys.ToArray());
        foreach (var loss in losses.Values)
        {
            Assert.AreEqual(0, loss.dim());
            Assert.IsTrue(float.IsFinite(loss.item<float>()) && loss.item<float>() > 0, $"loss {loss.item<float>()}");
        }
        // Each image has 1023 anchors, far more than 128 negatives, so 256 are sampled per image and the divisor
        // 256 * 2 equals their count. The head starts near zero (std 0.01 weights), so every logit is small and each
        // sampled anchor costs about ln 2.
        Assert.AreEqual(Math.Log(2), losses["loss_rpn_cls"].item<float>(), 0.02);

        (losses["loss_rpn_cls"] + losses["loss_rpn_loc"]).backward();
        foreach (var (name, p) in rpn.named_parameters())
        {
            Assert.IsNotNull(p.grad, $"{name} has no gradient");
            Assert.IsTrue(p.grad!.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
        }

        // Proposals: at most POST_NMS_TOPK_TRAIN, inside each unpadded image, no gradient.
        Assert.AreEqual(2, proposals.Count);
        for (int n = 0; n < 2; n++)
        {
            var b = proposals[n].ProposalBoxes.Tensor;
            Assert.IsTrue(proposals[n].Count is > 0 and <= 1000);
            Assert.IsFalse(b.requires_grad);
            var (h, w) = images.ImageSizes[n];
            Assert.IsTrue(b.ge(0).all().item<bool>());
            Assert.IsTrue(b[.., 2].le(w).all().item<bool>() && b[.., 3].le(h).all().item<bool>());
        }
    }
}
