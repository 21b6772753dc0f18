using Rcnn.MLNet.AutoML;

namespace Rcnn.Cli.Tests;

/// <summary>Successive halving decisions on hand-made scores, and seeded sampling. No training; milliseconds.</summary>
[TestClass]
public sealed class TunerTests
{
    [TestMethod]
    public void HalvingStopsTheBottomHalfAtACheckpoint()
    {
        // Stop fraction 0.5, at least 2 scores before deciding. With n scores recorded at the checkpoint (the new one
        // included) the best n - floor(n/2) go on.
        var t = new SuccessiveHalvingTuner(new DetectionSearchSpace(), seed: 1, checkpointFractions: [0.25, 0.5], stopFraction: 0.5, minTrialsPerCheckpoint: 2);
        Assert.IsTrue(t.ShouldContinue(0, 0, 0.40));   // n=1 < 2: too early to judge
        Assert.IsFalse(t.ShouldContinue(1, 0, 0.30));  // n=2 {0.40, 0.30}: keep 1 -> 0.30 stops
        Assert.IsTrue(t.ShouldContinue(2, 0, 0.50));   // n=3 {0.50, 0.40, 0.30}: keep 2 -> lowest kept 0.40; 0.50 goes on
        Assert.IsFalse(t.ShouldContinue(3, 0, 0.35));  // n=4 {.5,.4,.35,.3}: keep 2 -> lowest kept 0.40; 0.35 stops
        Assert.IsTrue(t.ShouldContinue(4, 0, 0.40));   // n=5 {.5,.4,.4,.35,.3}: keep 3 -> lowest kept 0.40; a tie goes on
        // The second checkpoint keeps its own list.
        Assert.IsTrue(t.ShouldContinue(0, 1, 0.10));
        Assert.IsTrue(t.ShouldContinue(2, 1, 0.60));   // n=2 {0.60, 0.10}: keep 1 -> 0.60 goes on
    }

    [TestMethod]
    public void StopFractionOfAQuarter()
    {
        // Stop fraction 0.25, decide from 1 score: n=1..3 keep n - floor(n/4) = n (nobody stops); n=4 keeps 3.
        var t = new SuccessiveHalvingTuner(new DetectionSearchSpace(), 0, [0.5], stopFraction: 0.25, minTrialsPerCheckpoint: 1);
        Assert.IsTrue(t.ShouldContinue(0, 0, 0.2));
        Assert.IsTrue(t.ShouldContinue(1, 0, 0.1));
        Assert.IsTrue(t.ShouldContinue(2, 0, 0.3));
        Assert.IsFalse(t.ShouldContinue(3, 0, 0.05));  // {.3,.2,.1,.05}: keep 3 -> lowest kept 0.1
    }

    [TestMethod]
    public void RandomSearchNeverStopsAndHasNoCheckpoints()
    {
        var t = new RandomSearchTuner(new DetectionSearchSpace(), 3);
        Assert.AreEqual(0, t.CheckpointFractions.Count);
        Assert.IsTrue(t.ShouldContinue(0, 0, 0));
    }

    [TestMethod]
    public void SeededProposalsAreReproducible()
    {
        var space = new DetectionSearchSpace();
        var a = new SuccessiveHalvingTuner(space, 42);
        var b = new SuccessiveHalvingTuner(space, 42);
        var c = new RandomSearchTuner(space, 42);
        var d = new RandomSearchTuner(space, 43);
        var pa = Enumerable.Range(0, 10).Select(a.Propose).Select(p => p.ToString()).ToList();
        var pb = Enumerable.Range(0, 10).Select(b.Propose).Select(p => p.ToString()).ToList();
        var pc = Enumerable.Range(0, 10).Select(c.Propose).Select(p => p.ToString()).ToList();
        var pd = Enumerable.Range(0, 10).Select(d.Propose).Select(p => p.ToString()).ToList();
        CollectionAssert.AreEqual(pa, pb);
        CollectionAssert.AreEqual(pa, pc);  // both tuners draw the same way from the same seed
        CollectionAssert.AreNotEqual(pa, pd);
        // Every draw lies in the space.
        foreach (var p in Enumerable.Range(0, 50).Select(a.Propose))
        {
            CollectionAssert.Contains(space.BackboneDepths.ToList(), p.BackboneDepth);
            Assert.IsTrue(p.BaseLearningRate >= space.MinBaseLearningRate - 1e-9 && p.BaseLearningRate <= space.MaxBaseLearningRate + 1e-9, p.ToString());
            CollectionAssert.Contains(space.ImageSizes.ToList(), p.ImageSize);
            CollectionAssert.Contains(space.RoiBatchSizesPerImage.ToList(), p.RoiBatchSizePerImage);
            CollectionAssert.Contains(space.Iterations.ToList(), p.Iterations);
            Assert.IsTrue(space.AnchorSizeSets.Any(s => s.SequenceEqual(p.AnchorSizes)));
        }
    }

    [TestMethod]
    public void InvalidSearchSpaceIsNamed()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new DetectionSearchSpace { BackboneDepths = [18, 20] }.Validate());
        StringAssert.Contains(e.Message, "20");
        e = Assert.ThrowsExactly<ArgumentException>(() => new DetectionSearchSpace { AnchorSizeSets = [[32, 64]] }.Validate());
        StringAssert.Contains(e.Message, "5 sizes");
    }
}
