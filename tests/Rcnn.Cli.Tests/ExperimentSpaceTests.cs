using Rcnn.MLNet.AutoConfig;
using Rcnn.Cli.Commands;
using Rcnn.Training.Config;

namespace Rcnn.Cli.Tests;

/// <summary>rcnn experiment's search space around rcnn train's pick, on BCCD-like and large-object statistics. No training.</summary>
[TestClass]
public sealed class ExperimentSpaceTests
{
    private static readonly RcnnConfig Base = RcnnConfig.FromFile(ConfigFiles.Find(ConfigFiles.AutoBase));
    private static readonly ExperimentPlan Plan = ExperimentPlan.For(1100, 0.67, 6, random: false, TimeSpan.FromMinutes(20));

    [TestMethod]
    public void AnchorSetsThatMissTheSmallObjectsAreLeftOut()
    {
        // BCCD's train split: the 5th-percentile object is 23 px and the 95th 88 px at the picked 256 px.
        var stats = new DatasetStatistics(205, 3, 2804, 480, 640, 23 / 256.0, 0.2, 88 / 256.0, 13.7, 28);
        var choice = AutoConfigPicker.PickShape(stats, TimeSpan.FromMinutes(20));
        CollectionAssert.AreEqual(new double[] { 16, 32, 64, 128, 256 }, choice.AnchorSizes.ToArray());
        var space = ExperimentSpace.For(choice, stats, Base, Plan);
        CollectionAssert.AreEqual(new[] { 192, 256, 320 }, space.ImageSizes.ToArray());
        // At 320 px the 5th-percentile object is 28.75 px: twice the anchors (32..512) start above it; half (8..128)
        // still reaches the 95th percentile at 192 px (66 px).
        CollectionAssert.AreEqual(new[] { "8,16,32,64,128", "16,32,64,128,256" },
            space.AnchorSizeSets.Select(a => string.Join(",", a)).ToArray());
        CollectionAssert.AreEqual(new[] { 64, 128 }, space.FpnChannels.ToArray());  // the pick's 128 and half of it
        Assert.AreEqual(128, space.Default!.FpnChannels);
        Assert.AreEqual(Plan.Iterations, space.Default.Iterations);
        space.Validate();  // the pick lies in the space
    }

    [TestMethod]
    public void AnchorSetsThatMissTheLargeObjectsAreLeftOut()
    {
        // Large objects: 5th percentile 10% of the short side, 95th 90%.
        var stats = new DatasetStatistics(300, 2, 900, 480, 640, 0.10, 0.4, 0.90, 3, 6);
        var choice = AutoConfigPicker.PickShape(stats, TimeSpan.FromMinutes(20));
        CollectionAssert.AreEqual(new double[] { 16, 32, 64, 128, 256 }, choice.AnchorSizes.ToArray());  // from the 25.6 px object
        var space = ExperimentSpace.For(choice, stats, Base, Plan);
        // The 95th percentile at 192 px is 172.8 px: half the anchors (8..128) end below it; twice (32..512) starts at
        // the 5th percentile at 320 px (32 px) and is kept.
        CollectionAssert.AreEqual(new[] { "16,32,64,128,256", "32,64,128,256,512" },
            space.AnchorSizeSets.Select(a => string.Join(",", a)).ToArray());
    }
}
