using Rcnn.Training.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling;

[TestClass]
public class MatcherTests
{
    // The RPN's matcher: IoU < 0.3 negative, [0.3, 0.7) ignored, >= 0.7 positive.
    private static Matcher Rpn(bool lowQuality) => new([0.3, 0.7], [0, -1, 1], lowQuality);

    [TestMethod]
    public void IntervalsIncludeTheirLowerEdgeAndExcludeTheUpper()
    {
        // One gt; the predictions' IoUs straddle both edges by one float32 ulp.
        float below03 = MathF.BitDecrement(0.3f), below07 = MathF.BitDecrement(0.7f);
        using var q = tensor(new[] { 0f, below03, 0.3f, 0.5f, below07, 0.7f, 1f }).view(1, 7);
        var (matches, labels) = Rpn(false).Match(q);
        Assert.AreEqual(ScalarType.Int64, matches.dtype);
        Assert.AreEqual(ScalarType.Int8, labels.dtype);
        CollectionAssert.AreEqual(new long[7], matches.data<long>().ToArray());
        CollectionAssert.AreEqual(new sbyte[] { 0, 0, -1, -1, -1, 1, 1 }, labels.data<sbyte>().ToArray());
    }

    [TestMethod]
    public void EachPredictionTakesItsBestGroundTruth()
    {
        // Column maxima: pred 0 -> gt 1 (0.6, ignored), pred 1 -> gt 0 (0.8, positive), pred 2 -> gt 1 (0.75, positive).
        using var q = tensor(new[] { 0.1f, 0.8f, 0.4f, 0.6f, 0.2f, 0.75f }).view(2, 3);
        var (matches, labels) = Rpn(false).Match(q);
        CollectionAssert.AreEqual(new long[] { 1, 0, 1 }, matches.data<long>().ToArray());
        CollectionAssert.AreEqual(new sbyte[] { -1, 1, 1 }, labels.data<sbyte>().ToArray());
    }

    [TestMethod]
    public void LowQualityMatchesPromoteEveryTieForEachGroundTruthsBest()
    {
        // gt 0's best is 0.4, tied by preds 0 and 1; gt 1's best is 0.6, tied by preds 2 and 3. All four become
        // positive although none reaches 0.7. Pred 1 keeps its own argmax (gt 1, 0.5 > 0.4) as its match.
        // Pred 4 (best 0.2, not anyone's best) stays negative.
        using var q = tensor(new[]
        {
            0.4f, 0.4f, 0.1f, 0.0f, 0.2f,
            0.0f, 0.5f, 0.6f, 0.6f, 0.1f,
        }).view(2, 5);
        var (m0, l0) = Rpn(false).Match(q);
        CollectionAssert.AreEqual(new sbyte[] { -1, -1, -1, -1, 0 }, l0.data<sbyte>().ToArray());
        var (matches, labels) = Rpn(true).Match(q);
        CollectionAssert.AreEqual(new long[] { 0, 1, 1, 1, 0 }, matches.data<long>().ToArray());
        CollectionAssert.AreEqual(m0.data<long>().ToArray(), matches.data<long>().ToArray(), "low-quality matching must not change the matches");
        CollectionAssert.AreEqual(new sbyte[] { 1, 1, 1, 1, 0 }, labels.data<sbyte>().ToArray());
    }

    [TestMethod]
    public void APredictionBestForTwoGroundTruthsMatchesOnlyItsArgmax()
    {
        // Pred 0 is the best for gt 0 (0.9) and for gt 1 (0.5). It matches gt 0; gt 1 gets no other positive
        // (no second-choice reassignment), so preds 1 and 2 (best 0.2 and 0.1, both via gt 1) stay negative.
        using var q = tensor(new[] { 0.9f, 0.1f, 0.0f, 0.5f, 0.2f, 0.1f }).view(2, 3);
        var (matches, labels) = Rpn(true).Match(q);
        CollectionAssert.AreEqual(new long[] { 0, 1, 1 }, matches.data<long>().ToArray());
        CollectionAssert.AreEqual(new sbyte[] { 1, 0, 0 }, labels.data<sbyte>().ToArray());
    }

    [TestMethod]
    public void AGroundTruthOverlappingNothingMakesEveryPredictionPositive()
    {
        // detectron2 does not guard a gt whose best quality is 0: every prediction ties for it. (Empty gt boxes
        // are filtered out before matching for this reason.)
        using var q = tensor(new[] { 0.8f, 0.1f, 0.0f, 0f, 0f, 0f }).view(2, 3);
        var (_, labels) = Rpn(true).Match(q);
        CollectionAssert.AreEqual(new sbyte[] { 1, 1, 1 }, labels.data<sbyte>().ToArray());
    }

    [TestMethod]
    public void NoGroundTruthGivesIndexZeroAndTheFirstLabel()
    {
        using var q = zeros(0, 4);
        var (matches, labels) = Rpn(true).Match(q);
        CollectionAssert.AreEqual(new long[4], matches.data<long>().ToArray());
        Assert.AreEqual(ScalarType.Int8, labels.dtype);
        CollectionAssert.AreEqual(new sbyte[] { 0, 0, 0, 0 }, labels.data<sbyte>().ToArray());

        // The first label, whatever it is.
        var (_, ignoreLabels) = new Matcher([0.5], [-1, 1]).Match(q);
        CollectionAssert.AreEqual(new sbyte[] { -1, -1, -1, -1 }, ignoreLabels.data<sbyte>().ToArray());

        using var noPredictions = zeros(3, 0);
        var (m, l) = Rpn(true).Match(noPredictions);
        Assert.AreEqual(0L, m.shape[0]);
        Assert.AreEqual(0L, l.shape[0]);
    }

    [TestMethod]
    public void RoiHeadsMatcherSplitsAtOneThreshold()
    {
        // ROI heads: [0.5] with [0, 1]; 0.5 itself is foreground.
        using var q = tensor(new[] { 0.49f, 0.5f, 0.51f, 0f }).view(1, 4);
        var (_, labels) = new Matcher([0.5], [0, 1]).Match(q);
        CollectionAssert.AreEqual(new sbyte[] { 0, 1, 1, 0 }, labels.data<sbyte>().ToArray());
    }

    [TestMethod]
    public void ThresholdsGetInfiniteEnds()
    {
        var m = Rpn(false);
        CollectionAssert.AreEqual(new[] { double.NegativeInfinity, 0.3, 0.7, double.PositiveInfinity }, m.Thresholds.ToArray());
        CollectionAssert.AreEqual(new sbyte[] { 0, -1, 1 }, m.Labels.ToArray());
    }

    [TestMethod]
    public void BadConfigurationAndInputAreRejected()
    {
        var unsorted = Assert.ThrowsExactly<ArgumentException>(() => new Matcher([0.7, 0.3], [0, -1, 1]));
        Assert.AreEqual("thresholds", unsorted.ParamName);
        Assert.ThrowsExactly<ArgumentException>(() => new Matcher([0.0, 0.7], [0, -1, 1]));
        Assert.ThrowsExactly<ArgumentException>(() => new Matcher([], [0]));
        var count = Assert.ThrowsExactly<ArgumentException>(() => new Matcher([0.3, 0.7], [0, 1]));
        Assert.AreEqual("labels", count.ParamName);
        Assert.ThrowsExactly<ArgumentException>(() => new Matcher([0.5], [0, 2]));

        var m = Rpn(true);
        using var flat = zeros(5);
        Assert.ThrowsExactly<ArgumentException>(() => m.Match(flat));
        using var negative = tensor(new[] { 0.5f, -0.1f }).view(1, 2);
        Assert.ThrowsExactly<ArgumentException>(() => m.Match(negative));
    }
}
