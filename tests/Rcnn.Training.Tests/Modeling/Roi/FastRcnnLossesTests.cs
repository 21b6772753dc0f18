using Rcnn.Training.Modeling.Roi;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.Roi;

/// <summary>FastRcnnOutputLayers.Losses against hand-computed values on 3 ROIs and K = 2 classes (background = 2).</summary>
[TestClass]
public class FastRcnnLossesTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    // ROI 0: proposal (0,0,10,10), gt (1,1,11,11), class 0. With weights (10,10,5,5) the target deltas are
    //        dx = (6 - 5) / 10 * 10 = 1, dy = 1, dw = 5 ln(10/10) = 0, dh = 0.
    // ROI 1: background (class 2); its deltas must not matter.
    // ROI 2: proposal (0,0,20,10), gt (10,0,30,20), class 1: dx = (20 - 10) / 20 * 10 = 5, dy = (10 - 5) / 10 * 10 = 5,
    //        dw = 0, dh = 5 ln 2.
    private static Instances Image3()
    {
        var p = new Instances(40, 40);
        p.ProposalBoxes = new Boxes(tensor(new float[] { 0, 0, 10, 10, 5, 5, 15, 15, 0, 0, 20, 10 }).reshape(3, 4));
        p.GtClasses = tensor(new long[] { 0, 2, 1 });
        p.GtBoxes = new Boxes(tensor(new float[] { 1, 1, 11, 11, 0, 0, 1, 1, 10, 0, 30, 20 }).reshape(3, 4));
        return p;
    }

    private static Tensor Scores3() => tensor(new float[] { 2, 0, 0, 0, 1, 0, 0, 0, 3 }).reshape(3, 3);

    // Per-class deltas (R, 8): only row 0's class-0 group and row 2's class-1 group are foreground targets.
    private static Tensor Deltas3() => tensor(new float[]
    {
        0.5f, 1.5f, 0.2f, -0.1f, 100, 100, 100, 100,
        -50, 50, -50, 50, 70, 70, 70, 70,
        9, 9, 9, 9, 5, 4, 0, 3,
    }).reshape(3, 8);

    // Cross-entropy by hand: logsumexp(row) - row[gt].
    private static readonly double ExpectedCls =
        ((Math.Log(Math.Exp(2) + 2) - 2) + Math.Log(Math.E + 2) + Math.Log(2 + Math.Exp(3))) / 3;

    // L1 (beta 0): row 0 |0.5-1| + |1.5-1| + 0.2 + 0.1 = 1.3; row 2 0 + |4-5| + 0 + |3 - 5 ln 2|.
    private static readonly double L1Sum = 1.3 + 1 + Math.Abs(3 - 5 * Math.Log(2));

    [TestMethod]
    public void CrossEntropyMeanAndBoxLossOverTotalRoiCount()
    {
        using var scope = NewDisposeScope();
        var predictor = new FastRcnnOutputLayers(8, numClasses: 2);
        var losses = predictor.Losses(Scores3(), Deltas3(), [Image3()]);
        Assert.AreEqual(ExpectedCls, losses["loss_cls"].item<float>(), 1e-5);
        // Divided by all 3 sampled ROIs, not by the 2 foreground ones.
        Assert.AreEqual(L1Sum / 3, losses["loss_box_reg"].item<float>(), 1e-5);
    }

    [TestMethod]
    public void BoxLossGradientReachesOnlyTheGtClassDeltasOfForegroundRois()
    {
        using var scope = NewDisposeScope();
        var predictor = new FastRcnnOutputLayers(8, numClasses: 2);
        var deltas = Deltas3().requires_grad_(true);
        predictor.Losses(Scores3(), deltas, [Image3()])["loss_box_reg"].backward();
        // d|x - t| / dx = sign(x - t), over R = 3.
        var expected = tensor(new float[]
        {
            -1, 1, 1, -1, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, -1, 0, (float)Math.Sign(3 - 5 * Math.Log(2)),
        }).reshape(3, 8) / 3;
        TorchFixture.AssertClose(expected, deltas.grad!, 1e-6, "d loss_box_reg / d deltas");
    }

    [TestMethod]
    public void SmoothL1BetaAndLossWeight()
    {
        using var scope = NewDisposeScope();
        var predictor = new FastRcnnOutputLayers(8, numClasses: 2, smoothL1Beta: 1.0, lossBoxRegWeight: 2.0);
        var losses = predictor.Losses(Scores3(), Deltas3(), [Image3()]);
        // |d| < 1: 0.5 d^2; else |d| - 0.5. Row 0 diffs 0.5, 0.5, 0.2, 0.1; row 2 diffs 0, 1, 0, 5 ln2 - 3.
        double r = 5 * Math.Log(2) - 3;
        double sum = 0.5 * (0.25 + 0.25 + 0.04 + 0.01) + (1 - 0.5) + 0.5 * r * r;
        Assert.AreEqual(2 * sum / 3, losses["loss_box_reg"].item<float>(), 1e-5);
        Assert.AreEqual(ExpectedCls, losses["loss_cls"].item<float>(), 1e-5, "loss_cls keeps weight 1");
    }

    [TestMethod]
    public void ClassAgnosticUsesTheSingleDeltaSet()
    {
        using var scope = NewDisposeScope();
        var predictor = new FastRcnnOutputLayers(8, numClasses: 2, clsAgnosticBboxReg: true);
        var deltas = tensor(new float[] { 0.5f, 1.5f, 0.2f, -0.1f, 40, -40, 40, -40, 5, 4, 0, 3 }).reshape(3, 4);
        var losses = predictor.Losses(Scores3(), deltas, [Image3()]);
        Assert.AreEqual(L1Sum / 3, losses["loss_box_reg"].item<float>(), 1e-5);
    }

    [TestMethod]
    public void ImageWithoutGtBoxesCountsInTheNormaliser()
    {
        using var scope = NewDisposeScope();
        var predictor = new FastRcnnOutputLayers(8, numClasses: 2);
        // A second image with one background ROI and no gt_boxes field (as sampled from an image without gt).
        var empty = new Instances(40, 40);
        empty.ProposalBoxes = new Boxes(tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 4));
        empty.GtClasses = tensor(new long[] { 2 });
        var scores = cat(new[] { Scores3(), tensor(new float[] { 0, 0, 0 }).reshape(1, 3) }, 0);
        var deltas = cat(new[] { Deltas3(), full(1, 8, 7f) }, 0);
        var losses = predictor.Losses(scores, deltas, [Image3(), empty]);
        Assert.AreEqual(L1Sum / 4, losses["loss_box_reg"].item<float>(), 1e-5);
        Assert.AreEqual((3 * ExpectedCls + Math.Log(3)) / 4, losses["loss_cls"].item<float>(), 1e-5);
    }

    [TestMethod]
    public void GiouLossOnDecodedBoxes()
    {
        using var scope = NewDisposeScope();
        var predictor = new FastRcnnOutputLayers(8, numClasses: 2, boxRegLossType: "giou");
        // Zero deltas decode to the proposals. Row 0: (0,0,10,10) vs (1,1,11,11): inter 81, union 119, hull 121.
        // Row 2: (0,0,20,10) vs (10,0,30,20): inter 100, union 200 + 400 - 100 = 500, hull 30 x 20 = 600.
        var losses = predictor.Losses(Scores3(), zeros(3, 8), [Image3()]);
        double g0 = 81.0 / 119 - (121.0 - 119) / 121, g2 = 100.0 / 500 - (600.0 - 500) / 600;
        Assert.AreEqual(((1 - g0) + (1 - g2)) / 3, losses["loss_box_reg"].item<float>(), 1e-5);
    }

    [TestMethod]
    public void NoRoisGiveZeroLossesThatStillBackpropagate()
    {
        using var scope = NewDisposeScope();
        var predictor = new FastRcnnOutputLayers(8, numClasses: 2);
        var x = zeros(0, 8).requires_grad_(true);
        var (scores, deltas) = predictor.call(x);
        var losses = predictor.Losses(scores, deltas, []);
        Assert.AreEqual(0f, losses["loss_cls"].item<float>());
        Assert.AreEqual(0f, losses["loss_box_reg"].item<float>());
        (losses["loss_cls"] + losses["loss_box_reg"]).backward();
    }

    [TestMethod]
    public void PredictBoxesForGtClassesUsesTheGtClassAndClampsBackground()
    {
        using var scope = NewDisposeScope();
        var predictor = new FastRcnnOutputLayers(8, numClasses: 2);
        var p = new Instances(40, 40)
        {
            ProposalBoxes = new Boxes(tensor(new float[] { 0, 0, 10, 10, 0, 0, 20, 20 }).reshape(2, 4)),
            GtClasses = tensor(new long[] { 1, 2 }),
        };
        // Row 0, class 1: dx = 1 moves x by 1 / 10 (weight) * 10 (width) = 1 px. Row 1 is background (2), clamped to
        // class 1 as detectron2 does: dy = 2 moves y by 2 / 10 * 20 = 4 px. The class-0 deltas must not be used.
        var deltas = tensor(new float[] { 9, 9, 0, 0, 1, 0, 0, 0, 9, 9, 0, 0, 0, 2, 0, 0 }).reshape(2, 8);
        var boxes = predictor.PredictBoxesForGtClasses(deltas, [p]);
        Assert.AreEqual(1, boxes.Length);
        TorchFixture.AssertClose(tensor(new float[] { 1, 0, 11, 10, 0, 4, 20, 24 }).reshape(2, 4), boxes[0], 1e-5, "boxes");
    }

    [TestMethod]
    public void BadShapesAreRejected()
    {
        using var scope = NewDisposeScope();
        var predictor = new FastRcnnOutputLayers(8, numClasses: 2);
        var e = Assert.ThrowsExactly<ArgumentException>(() => predictor.Losses(zeros(3, 4), Deltas3(), [Image3()]));
        StringAssert.Contains(e.Message, "[3, 4]");
        Assert.ThrowsExactly<ArgumentException>(() => predictor.Losses(Scores3(), zeros(3, 4), [Image3()]));
        Assert.ThrowsExactly<ArgumentException>(() => new FastRcnnOutputLayers(8, 2, boxRegLossType: "diou"));
    }
}
