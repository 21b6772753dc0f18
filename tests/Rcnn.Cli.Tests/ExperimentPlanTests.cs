using Rcnn.Cli.Commands;
using Rcnn.MLNet.AutoML;

namespace Rcnn.Cli.Tests;

/// <summary>How <c>rcnn experiment</c> spends its budget, on hand-computed numbers. Milliseconds.</summary>
[TestClass]
public sealed class ExperimentPlanTests
{
    [TestMethod]
    public void ExperimentPlanGivesTheSurvivorMostOfTheBudget()
    {
        // 1140 s left x 0.85 x 0.6 it/s = 581.4 iterations. Trials: min(6, max(4, floor(0.35 x 581.4 / 100) = 2)) = 4.
        // First segment: round(203.5 / 4 / 5) x 5 = 50; schedule 581 - 3 x 50 = 431; one checkpoint at 50/431; keep 1 of 4.
        var plan = ExperimentPlan.For(1140, 0.6, 6, random: false, TimeSpan.FromMinutes(20));
        Assert.AreEqual(4, plan.TrialsPerBracket);
        Assert.AreEqual(431, plan.Iterations);
        Assert.AreEqual(50.0 / 431, plan.CheckpointFraction, 1e-12);
        Assert.AreEqual(0.75, plan.StopFraction, 1e-12);
        CollectionAssert.AreEqual(new[] { 18 }, plan.Depths.ToArray());
        // The tuner built from the plan keeps exactly one trial, and the bracket costs what the plan says.
        var t = new SuccessiveHalvingTuner(new DetectionSearchSpace(), 0, [plan.CheckpointFraction], plan.StopFraction, plan.TrialsPerBracket, true);
        Assert.AreEqual(1, t.Keep(4));
        Assert.AreEqual((4 * 50 + 431 - 50) / 431.0, t.ScheduleCost(4), 1e-9);
        StringAssert.Contains(plan.Description, "validation may end it earlier");
        // Random search: equal shares of 581.4 / 6 = 96.9 -> 90.
        Assert.AreEqual(90, ExperimentPlan.For(1140, 0.6, 6, random: true, TimeSpan.FromMinutes(20)).Iterations);
        // Two hours: R-34 joins; 8 trials allowed and each still gets 40+ iterations.
        var big = ExperimentPlan.For(7000, 0.6, 8, random: false, TimeSpan.FromHours(2));
        CollectionAssert.AreEqual(new[] { 18, 34 }, big.Depths.ToArray());
        Assert.AreEqual(8, big.TrialsPerBracket);  // floor(0.35 x 3570 / 100) = 12, capped at 8
    }
}
