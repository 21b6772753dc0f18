using Rcnn.Training.Modeling.ProposalGenerators;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.ProposalGenerators;

[TestClass]
public class RpnHandComputedTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    private static sbyte[] Labels(Tensor t) => t.to_type(ScalarType.Int8).data<sbyte>().ToArray();

    [TestMethod]
    public void AnchorsAreLaidOutPerLevelInHwaOrder()
    {
        using var scope = NewDisposeScope();
        using var rpn = TinyRpn.Create();
        var anchors = Boxes2D(Rcnn.Training.Structures.Boxes.Cat(TinyRpn.AnchorList(rpn, TinyRpn.Features())).Tensor);
        CollectionAssert.AreEqual(TinyRpn.Anchors.Cast<float>().ToArray(), anchors);
    }

    private static float[] Boxes2D(Tensor t) => t.contiguous().data<float>().ToArray();

    [TestMethod]
    public void LabelsFollowIouThresholdsAndAnImageWithoutGtIsAllNegative()
    {
        // gt (0,0,8,6) against a0..a4: IoU 16/96=0.17, 32/80=0.40, 24/88=0.27, 48/64=0.75, 48/256=0.19
        // -> labels 0, -1 (0.3 <= IoU < 0.7), 0, 1, 0. Image 1 has no gt: all 5 negative. 256 samples take them all.
        using var scope = NewDisposeScope();
        using var rpn = TinyRpn.Create();
        var f = TinyRpn.Features();
        var (labels, matched) = rpn.LabelAndSampleAnchors(TinyRpn.AnchorList(rpn, f),
            [TinyRpn.Gt(8, 8, [0, 0, 8, 6]), TinyRpn.Gt(8, 8)]);
        CollectionAssert.AreEqual(new sbyte[] { 0, -1, 0, 1, 0 }, Labels(labels[0]));
        CollectionAssert.AreEqual(new sbyte[] { 0, 0, 0, 0, 0 }, Labels(labels[1]));
        CollectionAssert.AreEqual(Enumerable.Repeat(new float[] { 0, 0, 8, 6 }, 5).SelectMany(x => x).ToArray(), Boxes2D(matched[0]));
        CollectionAssert.AreEqual(new float[20], Boxes2D(matched[1]));
    }

    [TestMethod]
    public void LowQualityMatchesMakeEachGtsBestAnchorPositive()
    {
        // gt A (0,0,6,6), gt B (-6,-6,6,6). Best IoU per anchor: a0 B 64/144=0.44, a1 A 24/76=0.32 (B 0.30),
        // a2 A 0.32, a3 A 36/64=0.56, a4 B 144/256=0.56: none reaches 0.7 and none is below 0.3, so all are ignored,
        // except a3 (A's best) and a4 (B's best), which the low-quality rule makes positive.
        using var scope = NewDisposeScope();
        using var rpn = TinyRpn.Create();
        var f = TinyRpn.Features();
        var (labels, matched) = rpn.LabelAndSampleAnchors(TinyRpn.AnchorList(rpn, f),
            [TinyRpn.Gt(8, 8, [0, 0, 6, 6], [-6, -6, 6, 6])]);
        CollectionAssert.AreEqual(new sbyte[] { -1, -1, -1, 1, 1 }, Labels(labels[0]));
        CollectionAssert.AreEqual(new float[] { -6, -6, 6, 6, 0, 0, 6, 6, 0, 0, 6, 6, 0, 0, 6, 6, -6, -6, 6, 6 }, Boxes2D(matched[0]));
    }

    [TestMethod]
    public void BoundaryThresholdIgnoresAnchorsReachingOutOfTheImage()
    {
        // Threshold 1 on an 8x8 image: only a3 (0,0,8,8) satisfies x0, y0 >= -1 and x1, y1 < 9; the rest become -1,
        // in the image with gt (a3 positive) and in the one without (a3 negative).
        using var scope = NewDisposeScope();
        using var rpn = TinyRpn.Create(boundaryThresh: 1);
        var f = TinyRpn.Features();
        var (labels, _) = rpn.LabelAndSampleAnchors(TinyRpn.AnchorList(rpn, f), [TinyRpn.Gt(8, 8, [0, 0, 8, 6]), TinyRpn.Gt(8, 8)]);
        CollectionAssert.AreEqual(new sbyte[] { -1, -1, -1, 1, -1 }, Labels(labels[0]));
        CollectionAssert.AreEqual(new sbyte[] { -1, -1, -1, 0, -1 }, Labels(labels[1]));
    }

    [TestMethod]
    public void SamplingCapsEachImageAtBatchSizePerImage()
    {
        // 2 per image at fraction 0.5: image 0 keeps its one positive (a3) and 1 of its 3 negatives; image 1 keeps 2 of 5.
        using var scope = NewDisposeScope();
        using var rpn = TinyRpn.Create(batchSizePerImage: 2);
        var f = TinyRpn.Features();
        var (labels, _) = rpn.LabelAndSampleAnchors(TinyRpn.AnchorList(rpn, f), [TinyRpn.Gt(8, 8, [0, 0, 8, 6]), TinyRpn.Gt(8, 8)]);
        var l0 = Labels(labels[0]);
        Assert.AreEqual(1, l0[3]);
        Assert.AreEqual(-1, l0[1], "a1 is ignored by the matcher and cannot be sampled");
        Assert.AreEqual(1, l0.Count(v => v == 0));
        var l1 = Labels(labels[1]);
        Assert.AreEqual(2, l1.Count(v => v == 0));
        Assert.AreEqual(3, l1.Count(v => v == -1));
    }

    [TestMethod]
    public void TrainingLossesMatchHandComputedValues()
    {
        // Sampled anchors (labels above) and their logits: image 0 a0 0.5 (neg), a2 -0.5 (neg), a3 1.5 (pos),
        // a4 -1.0 (neg); a1 (2.0) is ignored. Image 1: 0.0, -0.8, 1.0, 0.7, 0.3, all negative.
        // BCE = softplus(x) for negatives and softplus(-x) for positives; the sum is 6.29787976 (Python math.log1p/exp),
        // divided by 256 * 2 images = 0.0123005464.
        // loc: only a3 of image 0; anchor (0,0,8,8) -> gt (0,0,8,6) gives deltas (0, -1/8, 0, ln(6/8)); predicted
        // (0.1, -0.2, 0.5, 0.0); L1 (beta 0) sum 0.1 + 0.075 + 0.5 + 0.2876821 = 0.9626821, / 512 = 0.00188023842.
        using var scope = NewDisposeScope();
        using var rpn = TinyRpn.Create();
        rpn.train();
        var (_, losses) = rpn.Forward(TinyRpn.Images(), TinyRpn.Features(), [TinyRpn.Gt(8, 8, [0, 0, 8, 6]), TinyRpn.Gt(8, 8)]);
        CollectionAssert.AreEquivalent(new[] { Rpn.LossClsKey, Rpn.LossLocKey }, losses.Keys.ToArray());
        Assert.AreEqual(0.012300546408674062, losses[Rpn.LossClsKey].item<float>(), 1e-8);
        Assert.AreEqual(0.0018802384227573847, losses[Rpn.LossLocKey].item<float>(), 1e-8);
    }

    [TestMethod]
    public void GiouLossAndLossWeights()
    {
        // a3's deltas (0.1, -0.2, 0.5, 0) decode on (0,0,8,8) to centre (4.8, 2.4), size (8 e^0.5, 8):
        // (-1.794885, -1.6, 11.394885, 6.4). It contains gt (0,0,8,6), so the enclosure is the box itself and
        // GIoU = IoU = 48 / 105.5182 = 0.454898; loss 0.545102 / 512 * 3.0 = 0.00319395706. cls as above * 0.5.
        using var scope = NewDisposeScope();
        using var rpn = TinyRpn.Create(lossType: "giou", lossWeight: (0.5, 3.0));
        rpn.train();
        var (_, losses) = rpn.Forward(TinyRpn.Images(), TinyRpn.Features(), [TinyRpn.Gt(8, 8, [0, 0, 8, 6]), TinyRpn.Gt(8, 8)]);
        Assert.AreEqual(0.006150273204337031, losses[Rpn.LossClsKey].item<float>(), 1e-8);
        Assert.AreEqual(0.003193957061809716, losses[Rpn.LossLocKey].item<float>(), 1e-8);
    }

    [TestMethod]
    public void InferenceReturnsDecodedProposalsWithoutLosses()
    {
        // Image 0's a3 keeps its logit 1.5 and decodes (like above, then clipped to 8x8) to (0, 0, 8, 6.4).
        // Eval needs no gt and returns no loss.
        using var scope = NewDisposeScope();
        using var rpn = TinyRpn.Create();
        rpn.eval();
        var (proposals, losses) = rpn.Forward(TinyRpn.Images(), TinyRpn.Features());
        Assert.AreEqual(0, losses.Count);
        Assert.AreEqual(2, proposals.Count);
        var logits = proposals[0].ObjectnessLogits.data<float>().ToArray();
        int i = Array.IndexOf(logits, 1.5f);
        Assert.IsTrue(i >= 0, $"a3's logit 1.5 is missing from [{string.Join(", ", logits)}]");
        var box = proposals[0].ProposalBoxes.Tensor[i].data<float>().ToArray();
        CollectionAssert.AreEqual(new float[] { 0, 0, 8, 6.4f }, box.Select(v => MathF.Round(v, 4)).ToArray());
        var sorted = logits.OrderByDescending(v => v).ToArray();
        CollectionAssert.AreEqual(sorted, logits, "proposals are ordered by decreasing objectness");
    }

    [TestMethod]
    public void TrainingWithoutGtIsAnError()
    {
        using var scope = NewDisposeScope();
        using var rpn = TinyRpn.Create();
        rpn.train();
        var e = Assert.ThrowsExactly<ArgumentNullException>(() => rpn.Forward(TinyRpn.Images(), TinyRpn.Features()));
        Assert.AreEqual("gtInstances", e.ParamName);
    }
}
