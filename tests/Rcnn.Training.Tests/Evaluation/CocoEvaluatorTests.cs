using Rcnn.Training.Evaluation;
using static Rcnn.Training.Tests.Evaluation.CocoCase;

namespace Rcnn.Training.Tests.Evaluation;

/// <summary>
/// Hand-computed cases of pycocotools' COCOeval. Reminder of the rules used in the comments: precision is made
/// non-increasing from the right, then read at recall thresholds r = 0.00, 0.01, ..., 1.00 at the first detection whose
/// cumulative recall is &gt;= r (0 past the recall reached); AP is the mean of those 101 values (and of the 10 IoUs).
/// </summary>
[TestClass]
public class CocoEvaluatorTests
{
    private const int All = 0, Last = 2;

    [TestMethod]
    public void PerfectDetectorScoresOneAndEmptyAreaRangesMinusOne()
    {
        // Every gt has an exact detection; all gts are medium (1600..2500 px^2), so small/large have no gt -> -1.
        var gt = new CocoGroundTruth([new CocoCategory(1, "a"), new CocoCategory(2, "b")],
        [
            new CocoImage(1, [Gt(Box(10, 10, 50, 50), 1), Gt(Box(100, 100, 40, 40), 2)]),
            new CocoImage(2, [Gt(Box(0, 0, 60, 40), 1)]),
        ]);
        var dets = new[]
        {
            Det(1, Box(10, 10, 50, 50), 0.9, 1), Det(1, Box(100, 100, 40, 40), 0.3, 2), Det(2, Box(0, 0, 60, 40), 0.6, 1),
        };
        var r = CocoEvaluator.Evaluate(gt, dets);
        double[] expected = [1, 1, 1, -1, 1, -1, 1, 1, 1, -1, 1, -1];
        for (int i = 0; i < 12; i++) Assert.AreEqual(expected[i], r.Stats[i], Delta, CocoEvalResult.StatNames[i]);
        Assert.AreEqual(1, r.PerCategoryAp["a"], Delta);
        Assert.AreEqual(1, r.PerCategoryAp["b"], Delta);
        // Precision is tp / (tp + fp + eps) with eps = 2^-52, as in pycocotools: "b" has one TP, so 1 / (1 + eps) < 1,
        // while "a" reaches 2 / (2 + eps), which rounds to exactly 1, and the envelope carries it back to recall 0.
        Assert.AreEqual(1 / (1 + Math.Pow(2, -52)), r.Precision[0, 0, 1, All, Last]);
        Assert.IsTrue(r.Precision[0, 0, 1, All, Last] < 1);
        Assert.AreEqual(1.0, r.Precision[0, 0, 0, All, Last]);
    }

    [TestMethod]
    public void KnownPrCurveIsInterpolatedAt101Points()
    {
        // 3 gts, 4 detections in score order TP, FP, TP, TP (exact boxes or no overlap, so every IoU agrees).
        // cum recall 1/3, 1/3, 2/3, 1; precision 1, 1/2, 2/3, 3/4 -> envelope 1, 3/4, 3/4, 3/4.
        // r = 0.00..0.33 (34 points) -> first det (recall 1/3) -> 1; r = 0.34..1.00 (67 points) -> 3/4.
        var truth = Truth(Image(1, Gt(Box(0, 0, 100, 100)), Gt(Box(200, 0, 100, 100)), Gt(Box(400, 0, 100, 100))));
        var dets = new[]
        {
            Det(1, Box(0, 0, 100, 100), 0.9), Det(1, Box(0, 300, 100, 100), 0.8),
            Det(1, Box(200, 0, 100, 100), 0.7), Det(1, Box(400, 0, 100, 100), 0.6),
        };
        var r = CocoEvaluator.Evaluate(truth, dets);
        double ap = (34 * 1.0 + 67 * 0.75) / 101;
        Assert.AreEqual(ap, r.AP, Delta);
        Assert.AreEqual(ap, r.AP50, Delta);
        Assert.AreEqual(ap, r.AP75, Delta);
        Assert.AreEqual(ap, r.APl, Delta); // all boxes are 100x100 = 10000 > 96^2: large
        Assert.AreEqual(-1, r.APs);
        Assert.AreEqual(-1, r.APm);
        Assert.AreEqual(1, r.Precision[0, 33, 0, All, Last], Delta);
        Assert.AreEqual(0.75, r.Precision[0, 34, 0, All, Last], Delta);
        Assert.AreEqual(0.75, r.Precision[9, 100, 0, All, Last], Delta);
        // With one detection per image only the first (a TP) counts: recall 1/3.
        Assert.AreEqual(1.0 / 3, r.AR1, Delta);
        Assert.AreEqual(1, r.AR10, Delta);
        Assert.AreEqual(1, r.AR100, Delta);
        Assert.AreEqual(1, r.Recall[5, 0, All, Last], Delta);
    }

    [TestMethod]
    [DataRow(49.0, 0)]  // IoU 0.49: below every threshold
    [DataRow(50.0, 1)]  // IoU exactly 0.50 matches at 0.50 (the test is iou >= threshold)
    [DataRow(51.0, 1)]  // 0.51: only 0.50
    [DataRow(74.0, 5)]  // 0.74: 0.50, 0.55, 0.60, 0.65, 0.70
    [DataRow(75.0, 6)]  // exactly 0.75: also 0.75
    [DataRow(76.0, 6)]  // 0.76: still not 0.80
    public void IouThresholdsAreInclusive(double height, int matchedThresholds)
    {
        // gt 100x100, detection 100 x height sharing the top-left corner: IoU = height / 100.
        // One gt, one det: AP at a threshold is 1 if they match there, else 0; AP averages the 10 thresholds.
        var r = CocoEvaluator.Evaluate(Truth(Image(1, Gt(Box(0, 0, 100, 100)))), [Det(1, Box(0, 0, 100, height), 0.5)]);
        Assert.AreEqual(matchedThresholds / 10.0, r.AP, Delta);
        Assert.AreEqual(matchedThresholds >= 1 ? 1 : 0, r.AP50, Delta);
        Assert.AreEqual(matchedThresholds >= 6 ? 1 : 0, r.AP75, Delta);
        Assert.AreEqual(matchedThresholds / 10.0, r.AR100, Delta);
    }

    [TestMethod]
    public void CrowdRegionAbsorbsSeveralDetectionsWithoutFalsePositives()
    {
        // Three high-scoring detections lie inside a crowd region: intersection / detection area = 1 (their ordinary IoU
        // is at most 0.15), so all three match the crowd and are ignored. The last detection is an exact TP on the only
        // regular gt -> precision 1 at recall 1 -> AP 1. Were they false positives: FP FP FP TP -> AP 0.25.
        var truth = Truth(Image(1, Gt(Box(0, 0, 100, 100)), Gt(Box(200, 200, 200, 200), crowd: true)));
        var dets = new[]
        {
            Det(1, Box(210, 210, 60, 100), 0.95), Det(1, Box(300, 300, 50, 50), 0.94), Det(1, Box(220, 320, 70, 70), 0.93),
            Det(1, Box(0, 0, 100, 100), 0.5),
        };
        var r = CocoEvaluator.Evaluate(truth, dets);
        Assert.AreEqual(1, r.AP, Delta);
        Assert.AreEqual(1, r.AR100, Delta);
    }

    [TestMethod]
    public void CrowdOverlapIsIntersectionOverDetectionArea()
    {
        // Detection (340,200,100,100) against crowd (200,200,200,200): intersection 60x100 = 6000 over its own area 10000
        // = 0.6 (ordinary IoU 0.136). At IoU 0.50/0.55/0.60 it is absorbed (AP 1); at the 7 higher thresholds it is an
        // FP ahead of the TP: precision 0, 1/2 -> envelope 1/2 everywhere -> AP 0.5. Mean: (3 * 1 + 7 * 0.5) / 10.
        var truth = Truth(Image(1, Gt(Box(0, 0, 100, 100)), Gt(Box(200, 200, 200, 200), crowd: true)));
        var r = CocoEvaluator.Evaluate(truth, [Det(1, Box(340, 200, 100, 100), 0.9), Det(1, Box(0, 0, 100, 100), 0.5)]);
        Assert.AreEqual((3 * 1 + 7 * 0.5) / 10, r.AP, Delta);
        Assert.AreEqual(1, r.AP50, Delta);
        Assert.AreEqual(0.5, r.AP75, Delta);
    }

    [TestMethod]
    public void IgnoredDifficultGtNeitherCountsNorPenalizes()
    {
        // gts: A regular, B "difficult". Detections: on B (0.9), nowhere (0.8), on A (0.7) -> ignored, FP, TP with one
        // counted gt: recall 0, 0, 1; precision 0, 0, 1/2 -> envelope 1/2 -> AP 0.5.
        // (B as a regular gt would give 0.835; the B detection as an FP would give 1/3.)
        var truth = Truth(Image(1, Gt(Box(0, 0, 100, 100)), Gt(Box(200, 0, 100, 100), ignore: true)));
        var dets = new[] { Det(1, Box(200, 0, 100, 100), 0.9), Det(1, Box(400, 400, 100, 100), 0.8), Det(1, Box(0, 0, 100, 100), 0.7) };
        var r = CocoEvaluator.Evaluate(truth, dets);
        Assert.AreEqual(0.5, r.AP, Delta);
        Assert.AreEqual(1, r.AR100, Delta);
    }

    [TestMethod]
    public void CategoryWithDetectionsButNoGtIsMinusOneAndLeftOutOfTheMean()
    {
        var truth = new CocoGroundTruth([new CocoCategory(1, "a"), new CocoCategory(2, "b")],
            [new CocoImage(1, [Gt(Box(0, 0, 100, 100), 1)])]);
        var r = CocoEvaluator.Evaluate(truth, [Det(1, Box(0, 0, 100, 100), 0.9, 1), Det(1, Box(300, 300, 50, 50), 0.99, 2)]);
        Assert.AreEqual(1, r.AP, Delta); // the mean over "a" only
        Assert.AreEqual(1, r.PerCategoryAp["a"], Delta);
        Assert.IsTrue(double.IsNaN(r.PerCategoryAp["b"]));
        Assert.IsTrue(double.IsNaN(r.ToDetectron2Metrics()["AP-b"]));
        for (int t = 0; t < 10; t++)
        {
            Assert.AreEqual(-1, r.Recall[t, 1, All, Last]);
            for (int rr = 0; rr < 101; rr++) Assert.AreEqual(-1, r.Precision[t, rr, 1, All, Last]);
        }
    }

    [TestMethod]
    public void ImageWithNothingChangesNothingAndDetectionsOnAnEmptyImageAreFalsePositives()
    {
        var one = Image(1, Gt(Box(0, 0, 100, 100)));
        var tp = Det(1, Box(0, 0, 100, 100), 0.8);
        var baseline = CocoEvaluator.Evaluate(Truth(one), [tp]);
        var withEmpty = CocoEvaluator.Evaluate(Truth(one, Image(2)), [tp]);
        CollectionAssert.AreEqual(baseline.Stats.ToArray(), withEmpty.Stats.ToArray());
        Assert.AreEqual(1, withEmpty.AP, Delta);

        // A higher-scored detection on the gt-less image: FP then TP -> precision 0, 1/2 -> envelope 1/2 -> AP 0.5.
        var withFp = CocoEvaluator.Evaluate(Truth(one, Image(2)), [tp, Det(2, Box(0, 0, 100, 100), 0.9)]);
        Assert.AreEqual(0.5, withFp.AP, Delta);
    }

    [TestMethod]
    public void NoDetectionsGiveZeroNotMinusOne()
    {
        // gts exist (medium, 50x50), nothing detected: recall 0, precision 0 everywhere; small/large have no gt -> -1.
        var r = CocoEvaluator.Evaluate(Truth(Image(1, Gt(Box(0, 0, 50, 50)), Gt(Box(100, 0, 50, 50)))), []);
        double[] expected = [0, 0, 0, -1, 0, -1, 0, 0, 0, -1, 0, -1];
        CollectionAssert.AreEqual(expected, r.Stats.ToArray());
        Assert.AreEqual(0, r.Precision[0, 0, 0, All, Last]);
    }

    [TestMethod]
    public void NoGtAndNoDetectionsGiveMinusOneEverywhere()
    {
        var r = CocoEvaluator.Evaluate(Truth(Image(1), Image(2)), []);
        CollectionAssert.AreEqual(Enumerable.Repeat(-1.0, 12).ToArray(), r.Stats.ToArray());
    }

    [TestMethod]
    public void MaxDetsCapsTheDetectionsPerImage()
    {
        // 12 gts, 12 exact detections with falling scores in one image. AR1 sees 1 of them, AR10 10, AR100 all 12.
        var gts = Enumerable.Range(0, 12).Select(i => Gt(Box(50 * i, 0, 40, 40))).ToArray();
        var dets = Enumerable.Range(0, 12).Select(i => Det(1, Box(50 * i, 0, 40, 40), 1 - 0.01 * i)).ToArray();
        var r = CocoEvaluator.Evaluate(Truth(Image(1, gts)), dets);
        Assert.AreEqual(1.0 / 12, r.AR1, Delta);
        Assert.AreEqual(10.0 / 12, r.AR10, Delta);
        Assert.AreEqual(1, r.AR100, Delta);
        Assert.AreEqual(1, r.AP, Delta);

        // maxDets [1, 5, 10]: AP uses 10 detections -> precision 1 up to recall 10/12 = 0.833, then 0:
        // r = 0.00..0.83 -> 84 points of 1 -> AP 84/101.
        var capped = CocoEvaluator.Evaluate(Truth(Image(1, gts)), dets, new CocoEvalParams([1, 5, 10]));
        Assert.AreEqual(84.0 / 101, capped.AP, Delta);
        Assert.AreEqual(5.0 / 12, capped.AR10, Delta); // the middle slot is now 5 detections
        Assert.AreEqual(10.0 / 12, capped.AR100, Delta);
    }

    [TestMethod]
    public void SmallObjectCountsOnlyInTheSmallRange()
    {
        var small = Gt(Box(0, 0, 10, 10));      // 100 px^2
        var large = Gt(Box(100, 100, 200, 200)); // 40000 px^2
        var both = CocoEvaluator.Evaluate(Truth(Image(1, small, large)),
            [Det(1, Box(0, 0, 10, 10), 0.9), Det(1, Box(100, 100, 200, 200), 0.8)]);
        Assert.AreEqual(1, both.APs, Delta);
        Assert.AreEqual(-1, both.APm);
        Assert.AreEqual(1, both.APl, Delta);

        // Small one missed: small range has 1 gt and only an (ignored) large match -> 0; large unaffected;
        // all: recall 1/2 at precision 1 -> r = 0.00..0.50 (51 points) -> AP 51/101.
        var missed = CocoEvaluator.Evaluate(Truth(Image(1, small, large)), [Det(1, Box(100, 100, 200, 200), 0.8)]);
        Assert.AreEqual(0, missed.APs, Delta);
        Assert.AreEqual(1, missed.APl, Delta);
        Assert.AreEqual(51.0 / 101, missed.AP, Delta);
        Assert.AreEqual(0, missed.ARs);
        Assert.AreEqual(0.5, missed.AR100, Delta);
    }

    [TestMethod]
    public void UnmatchedDetectionOutsideTheRangeIsIgnoredThere()
    {
        // Only a large gt, exactly detected (0.8), plus a small FP (0.9, 10x10). "large": the small FP is outside the
        // range and unmatched -> ignored -> APl 1. "all": FP then TP -> envelope 1/2 -> AP 0.5. "small": no gt -> -1.
        var r = CocoEvaluator.Evaluate(Truth(Image(1, Gt(Box(100, 100, 200, 200)))),
            [Det(1, Box(0, 0, 10, 10), 0.9), Det(1, Box(100, 100, 200, 200), 0.8)]);
        Assert.AreEqual(1, r.APl, Delta);
        Assert.AreEqual(0.5, r.AP, Delta);
        Assert.AreEqual(-1, r.APs);
    }

    [TestMethod]
    public void AreaRangesUseTheGtAreaFieldAndIncludeBothEnds()
    {
        // A 10x10 box whose annotated area is 5000 (as a mask area would be) is medium, not small.
        var r = CocoEvaluator.Evaluate(Truth(Image(1, Gt(Box(0, 0, 10, 10), area: 5000))), [Det(1, Box(0, 0, 10, 10), 0.9)]);
        Assert.AreEqual(-1, r.APs);
        Assert.AreEqual(1, r.APm, Delta);

        // Exactly 32^2 = 1024 is both small and medium (the ranges are [0, 1024] and [1024, 9216]).
        var edge = CocoEvaluator.Evaluate(Truth(Image(1, Gt(Box(0, 0, 32, 32)))), [Det(1, Box(0, 0, 32, 32), 0.9)]);
        Assert.AreEqual(1, edge.APs, Delta);
        Assert.AreEqual(1, edge.APm, Delta);
        Assert.AreEqual(-1, edge.APl);
    }

    [TestMethod]
    public void DuplicateDetectionOnOneGtIsAFalsePositive()
    {
        // gts A, B. Detections: A (0.9), A again (0.8), B (0.7) -> TP, FP, TP; recall 1/2, 1/2, 1; precision 1, 1/2, 2/3
        // -> envelope 1, 2/3, 2/3. r = 0.00..0.50 (51 points) -> 1; r = 0.51..1.00 (50 points) -> 2/3.
        var truth = Truth(Image(1, Gt(Box(0, 0, 100, 100)), Gt(Box(200, 0, 100, 100))));
        var dets = new[] { Det(1, Box(0, 0, 100, 100), 0.9), Det(1, Box(0, 0, 100, 100), 0.8), Det(1, Box(200, 0, 100, 100), 0.7) };
        var r = CocoEvaluator.Evaluate(truth, dets);
        Assert.AreEqual((51 + 50 * 2.0 / 3) / 101, r.AP, Delta);
    }

    [TestMethod]
    public void EqualScoresKeepImageIdOrder()
    {
        // Equal scores: an FP on image 1 and a TP on image 2. pycocotools pools images by ascending id and sorts stably,
        // so the FP comes first: precision 0, 1/2 -> AP 0.5 (TP first would give 1). Listing image 2 first changes nothing.
        var truth = Truth(Image(2, Gt(Box(0, 0, 100, 100))), Image(1));
        var r = CocoEvaluator.Evaluate(truth, [Det(2, Box(0, 0, 100, 100), 0.5), Det(1, Box(0, 0, 100, 100), 0.5)]);
        Assert.AreEqual(0.5, r.AP, Delta);
        CollectionAssert.AreEqual(new long[] { 1, 2 }, r.ImageIds.ToArray());
    }

    [TestMethod]
    public void ThresholdsAreNumpyLinspaceValues()
    {
        // As printed by numpy 1.24: np.linspace(.5, 0.95, 10).tolist() -- note 0.8999999999999999.
        double[] iou = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95];
        var p = new CocoEvalParams();
        CollectionAssert.AreEqual(iou, p.IouThresholds.ToArray());
        Assert.AreEqual(101, p.RecallThresholds.Count);
        Assert.AreEqual(0.33, p.RecallThresholds[33]);
        Assert.AreEqual(0.5, p.RecallThresholds[50]);
        Assert.AreEqual(1.0, p.RecallThresholds[100]);
        CollectionAssert.AreEqual(new[] { 1, 10, 100 }, p.MaxDets.ToArray());
    }

    [TestMethod]
    public void BadInputIsRejectedWithTheOffendingValue()
    {
        var truth = Truth(Image(1, Gt(Box(0, 0, 10, 10))));
        var e1 = Assert.ThrowsExactly<ArgumentException>(() => CocoEvaluator.Evaluate(truth, [Det(7, Box(0, 0, 1, 1), 0.5)]));
        StringAssert.Contains(e1.Message, "image 7");
        var e2 = Assert.ThrowsExactly<ArgumentException>(() => CocoEvaluator.Evaluate(truth, [Det(1, Box(0, 0, 1, 1), 0.5, cat: 3)]));
        StringAssert.Contains(e2.Message, "category 3");
        var e3 = Assert.ThrowsExactly<ArgumentException>(() => CocoEvaluator.Evaluate(truth, [Det(1, Box(0, 0, 1, 1), double.NaN)]));
        StringAssert.Contains(e3.Message, "NaN");
        Assert.ThrowsExactly<ArgumentException>(() => new CocoEvalParams([10, 1, 100]));
        Assert.ThrowsExactly<ArgumentException>(() => new CocoGroundTruth([new CocoCategory(1, "a")], [new CocoImage(1, [Gt(Box(0, 0, 1, 1), cat: 2)])]));
    }
}
