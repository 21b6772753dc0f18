using Rcnn.Training.Modeling;
using Rcnn.Training.Modeling.Roi;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.Roi;

/// <summary>label_and_sample_proposals on a hand-made image: 2 gt boxes, 5 proposals, NUM_CLASSES 3 (background = 3).</summary>
[TestClass]
public class RoiSamplerTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    private const int K = 3;

    // gt A (0,0,10,10) class 1; gt B (50,50,70,70) class 0.
    private static Instances Targets() => new Instances(100, 100)
    {
        GtBoxes = new Boxes(tensor(new float[] { 0, 0, 10, 10, 50, 50, 70, 70 }).reshape(2, 4)),
        GtClasses = tensor(new long[] { 1, 0 }),
    };

    // IoU with its best gt: p0 100/200 = 0.5 (A, boundary -> foreground), p1 100/210 = 0.476 (A, background),
    // p2 380/400 = 0.95 (B), p3 0, p4 50/100 = 0.5 (A).
    private static readonly float[][] ProposalRows =
    [
        [0, 0, 10, 20], [0, 0, 10, 21], [50, 50, 70, 69], [80, 80, 90, 90], [0, 0, 5, 10],
    ];

    private static Instances Proposals(bool withObjectness = true)
    {
        var p = new Instances(100, 100) { ProposalBoxes = new Boxes(tensor(ProposalRows.SelectMany(r => r).ToArray()).reshape(5, 4)) };
        if (withObjectness) p.ObjectnessLogits = tensor(new float[] { 1, 2, 3, 4, 5 });
        return p;
    }

    private static RoiSampler Sampler(int batch, double fraction, bool appendGt = true, double[]? thresholds = null, int[]? labels = null) =>
        new(K, batch, fraction, new Matcher(thresholds ?? [0.5], labels ?? [0, 1]), appendGt);

    private static Dictionary<string, (long Class, float[] Gt, float Objectness)> ByBox(Instances s)
    {
        var result = new Dictionary<string, (long, float[], float)>();
        for (int i = 0; i < s.Count; i++)
        {
            string key = string.Join(",", s.ProposalBoxes.Tensor[i].data<float>().ToArray());
            float[] gt = s.Has(Instances.GtBoxesField) ? s.GtBoxes.Tensor[i].data<float>().ToArray() : [];
            float obj = s.Has(Instances.ObjectnessLogitsField) ? s.ObjectnessLogits[i].item<float>() : float.NaN;
            result.Add(key, (s.GtClasses[i].item<long>(), gt, obj));
        }
        return result;
    }

    [TestMethod]
    public void AppendsGtMatchesAtIouHalfAndLabelsBackgroundAsNumClasses()
    {
        using var scope = NewDisposeScope();
        var sampler = Sampler(16, 0.5);
        var sampled = sampler.LabelAndSampleProposals([Proposals()], [Targets()]);
        var s = sampled[0];
        // 5 foreground available (p0, p2, p4, gt A, gt B) <= 8; 2 background (p1, p3) <= 16 - 5: all 7 are taken.
        Assert.AreEqual(7, s.Count);
        Assert.AreEqual((5, 2), sampler.LastSampleCounts[0]);
        var rows = ByBox(s);
        var a = new float[] { 0, 0, 10, 10 };
        var b = new float[] { 50, 50, 70, 70 };
        double gtLogit = Math.Log((1 - 1e-10) / 1e-10);
        Assert.AreEqual(1L, rows["0,0,10,20"].Class, "p0 at IoU exactly 0.5 is foreground");
        CollectionAssert.AreEqual(a, rows["0,0,10,20"].Gt);
        Assert.AreEqual(K, rows["0,0,10,21"].Class, "p1 below 0.5 is background");
        Assert.AreEqual(0L, rows["50,50,70,69"].Class);
        CollectionAssert.AreEqual(b, rows["50,50,70,69"].Gt);
        Assert.AreEqual(K, rows["80,80,90,90"].Class);
        Assert.AreEqual(1L, rows["0,0,5,10"].Class);
        Assert.AreEqual(1L, rows["0,0,10,10"].Class, "appended gt A");
        Assert.AreEqual(gtLogit, rows["0,0,10,10"].Objectness, 1e-4);
        Assert.AreEqual(0L, rows["50,50,70,70"].Class, "appended gt B");
        CollectionAssert.AreEqual(b, rows["50,50,70,70"].Gt);
        Assert.AreEqual(gtLogit, rows["50,50,70,70"].Objectness, 1e-4);
        Assert.AreEqual(3f, rows["50,50,70,69"].Objectness, "original proposals keep their logits");
        // Foreground rows come first.
        var classes = s.GtClasses.data<long>().ToArray();
        CollectionAssert.AreEqual(new long[] { K, K }, classes[5..]);
    }

    [TestMethod]
    public void SamplingHonoursBatchSizeAndPositiveFraction()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var sampler = Sampler(4, 0.25);
        var s = sampler.LabelAndSampleProposals([Proposals()], [Targets()])[0];
        // #fg = min(5, (int)(4 * 0.25)) = 1; #bg = min(2, 4 - 1) = 2.
        Assert.AreEqual((1, 2), sampler.LastSampleCounts[0]);
        var classes = s.GtClasses.data<long>().ToArray();
        Assert.IsTrue(classes[0] < K && classes[1] == K && classes[2] == K, string.Join(",", classes));

        var half = Sampler(4, 0.5);
        half.LabelAndSampleProposals([Proposals()], [Targets()]);
        Assert.AreEqual((2, 2), half.LastSampleCounts[0]);
    }

    [TestMethod]
    public void WithoutAppendingGtOnlyProposalsAreSampled()
    {
        using var scope = NewDisposeScope();
        var sampler = Sampler(16, 0.5, appendGt: false);
        var s = sampler.LabelAndSampleProposals([Proposals(withObjectness: false)], [Targets()])[0];
        Assert.AreEqual((3, 2), sampler.LastSampleCounts[0]);
        Assert.IsFalse(ByBox(s).ContainsKey("0,0,10,10"));
    }

    [TestMethod]
    public void IgnoredProposalsAreNeverSampled()
    {
        using var scope = NewDisposeScope();
        // IoU in [0.3, 0.5) is ignored (-1): p1 (0.476) drops out.
        var sampler = Sampler(16, 0.5, thresholds: [0.3, 0.5], labels: [0, -1, 1]);
        var s = sampler.LabelAndSampleProposals([Proposals()], [Targets()])[0];
        Assert.AreEqual((5, 1), sampler.LastSampleCounts[0]);
        Assert.IsFalse(ByBox(s).ContainsKey("0,0,10,21"));
    }

    [TestMethod]
    public void ImageWithoutGtIsAllBackgroundWithoutGtBoxes()
    {
        using var scope = NewDisposeScope();
        var noGt = new Instances(100, 100) { GtBoxes = Boxes.Empty(), GtClasses = zeros(0, ScalarType.Int64) };
        var sampler = Sampler(3, 0.25);
        var sampled = sampler.LabelAndSampleProposals([Proposals(), Proposals()], [noGt, Targets()]);
        Assert.AreEqual((0, 3), sampler.LastSampleCounts[0]);
        CollectionAssert.AreEqual(new long[] { K, K, K }, sampled[0].GtClasses.data<long>().ToArray());
        Assert.IsFalse(sampled[0].Has(Instances.GtBoxesField), "detectron2 sets no gt_boxes for an image without gt");
        Assert.IsTrue(sampled[1].Has(Instances.GtBoxesField));
    }

    [TestMethod]
    public void MismatchedListsAreRejected()
    {
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsExactly<ArgumentException>(() => Sampler(4, 0.25).LabelAndSampleProposals([Proposals()], [Targets(), Targets()]));
        StringAssert.Contains(e.Message, "2 targets");
    }
}
