using Rcnn.MLNet.AutoConfig;
using Rcnn.MLNet.AutoML;
using Rcnn.Training.Config;

namespace Rcnn.MLNet.Tests.AutoML;

/// <summary>Successive halving decisions on hand-made scores and seeded sampling. No training; milliseconds.</summary>
[TestClass]
public sealed class TunerTests
{
    private static DetectionTrialStatus Paused(int id, params double[] scores) => new(id, P, scores, Finished: false);

    private static DetectionTrialStatus Done(int id, params double[] scores) => new(id, P, scores, Finished: true);

    private static readonly DetectionParameters P = new(18, 0.02, 256, [16, 32, 64, 128, 256], 128, 100);

    [TestMethod]
    public void HalvingPromotesTheBestHalfAtEachCheckpointBestFirst()
    {
        // Brackets of 4, checkpoints at 25% and 50%, stop fraction 0.5: keep(n) = n - floor(n/2).
        var t = new SuccessiveHalvingTuner(new DetectionSearchSpace(), 1, [0.5, 0.25], stopFraction: 0.5, trialsPerBracket: 4);
        CollectionAssert.AreEqual(new[] { 0.25, 0.5 }, t.CheckpointFractions.ToArray());
        Assert.AreEqual(DetectionTrialStep.Start, t.Next([], 10));
        // Until the bracket has its 4 trials, new ones start.
        Assert.AreEqual(DetectionTrialStep.Start, t.Next([Paused(0, 0.40), Paused(1, 0.30), Paused(2, 0.50)], 10));
        // 4 scored at checkpoint 0 {.4,.3,.5,.35}: keep 2, the best (trial 2) first, then trial 0.
        var rung0 = new[] { Paused(0, 0.40), Paused(1, 0.30), Paused(2, 0.50), Paused(3, 0.35) };
        Assert.AreEqual(DetectionTrialStep.Resume(2), t.Next(rung0, 10));
        Assert.AreEqual(DetectionTrialStep.Resume(0), t.Next([rung0[0], rung0[1], Paused(2, 0.50, 0.60), rung0[3]], 10));
        // Both promoted trials scored at checkpoint 1 {.6, .1}: keep 1 -> trial 2 trains to its end (no deadline fit).
        var rung1 = new[] { Paused(0, 0.40, 0.10), rung0[1], Paused(2, 0.50, 0.60), rung0[3] };
        Assert.AreEqual(DetectionTrialStep.Resume(2, toDeadline: false), t.Next(rung1, 10));
        // The bracket is done: a new one starts (the experiment ends it at --max-trials).
        var end = new[] { rung1[0], rung1[1], Done(2, 0.50, 0.60), rung1[3] };
        Assert.AreEqual(DetectionTrialStep.Start, t.Next(end, 10));
        // The second bracket (trials 4..): its first trial waits for the other 3.
        Assert.AreEqual(DetectionTrialStep.Start, t.Next([.. end, Paused(4, 0.9)], 10));
    }

    [TestMethod]
    public void TiesGoToTheLowerTrialAndTheTrialLimitCutsTheBracket()
    {
        var t = new SuccessiveHalvingTuner(new DetectionSearchSpace(), 1, [0.5], stopFraction: 0.5, trialsPerBracket: 4);
        // --max-trials 3: the bracket is 3 trials; keep(3) = 2, the tie at 0.3 goes to trial 0 over trial 2.
        var s = new[] { Paused(0, 0.3), Paused(1, 0.5), Paused(2, 0.3) };
        Assert.AreEqual(DetectionTrialStep.Resume(1), t.Next(s, 3));
        Assert.AreEqual(DetectionTrialStep.Resume(0), t.Next([s[0], Done(1, 0.5), s[2]], 3));
        Assert.AreEqual(DetectionTrialStep.Start, t.Next([Done(0, 0.3), Done(1, 0.5), s[2]], 3));  // refused past the limit by the experiment
        // NaN scores rank as 0.
        Assert.AreEqual(DetectionTrialStep.Resume(1), t.Next([Paused(0, double.NaN), Paused(1, 0.01), Paused(2, 0)], 3));
    }

    [TestMethod]
    public void FillBudgetRunsOneBracketAndSendsItsSingleSurvivorToTheDeadline()
    {
        // 3 trials, one checkpoint, stop fraction 2/3: keep(3) = 3 - floor(2) = 1.
        var t = new SuccessiveHalvingTuner(new DetectionSearchSpace(), 1, [0.1], stopFraction: 2.0 / 3, trialsPerBracket: 3, fillBudget: true);
        Assert.AreEqual(1, t.Keep(3));
        var s = new[] { Paused(0, 0.2), Paused(1, 0.6), Paused(2, 0.4) };
        Assert.AreEqual(DetectionTrialStep.Resume(1, toDeadline: true), t.Next(s, 6));
        // A survivor that finished before the budget (validation ended it) hands the time left to the next best of the
        // checkpoint (trial 2, then 0); then the experiment ends.
        Assert.AreEqual(DetectionTrialStep.Resume(2, toDeadline: true), t.Next([s[0], Done(1, 0.6), s[2]], 6));
        Assert.AreEqual(DetectionTrialStep.Resume(0, toDeadline: true), t.Next([s[0], Done(1, 0.6), Done(2, 0.4)], 6));
        Assert.AreEqual(DetectionTrialStep.Stop, t.Next([Done(0, 0.2), Done(1, 0.6), Done(2, 0.4)], 6));
        // A capped fill carries its cap; a resume short of the deadline never does.
        var capped = new SuccessiveHalvingTuner(new DetectionSearchSpace(), 1, [0.1], 2.0 / 3, 3, fillBudget: true, maxFillIterations: 1230);
        Assert.AreEqual(new DetectionTrialStep(DetectionTrialStepKind.Resume, 1, true, 1230), capped.Next(s, 6));
        Assert.IsNull(DetectionTrialStep.Resume(1, toDeadline: false, maxIterations: 1230).MaxIterations);
        // When the capped survivor has finished, the next best of the checkpoint (trial 2, then 0) trains on to the
        // deadline, capped too; then the experiment ends.
        Assert.AreEqual(new DetectionTrialStep(DetectionTrialStepKind.Resume, 2, true, 1230), capped.Next([s[0], Done(1, 0.6), s[2]], 6));
        Assert.AreEqual(new DetectionTrialStep(DetectionTrialStepKind.Resume, 0, true, 1230), capped.Next([s[0], Done(1, 0.6), Done(2, 0.4)], 6));
        Assert.AreEqual(DetectionTrialStep.Stop, capped.Next([Done(0, 0.2), Done(1, 0.6), Done(2, 0.4)], 6));
        // With two survivors neither may take the whole budget.
        var two = new SuccessiveHalvingTuner(new DetectionSearchSpace(), 1, [0.1], stopFraction: 0.5, trialsPerBracket: 4, fillBudget: true);
        Assert.AreEqual(DetectionTrialStep.Resume(3, toDeadline: false), two.Next([Paused(0, 0.1), Paused(1, 0.2), Paused(2, 0.3), Paused(3, 0.4)], 6));
    }

    [TestMethod]
    public void AChallengerTakesTheDefaultsPlaceOnlyByLeadingItByMoreThanTheMargin()
    {
        var space = new DetectionSearchSpace { Default = new DetectionParameters(18, 0.02, 256, [16, 32, 64, 128, 256], 128, 300) };
        // 4 trials, one checkpoint, keep 1, fill the budget; margin 0.15 MAP50.
        var t = new SuccessiveHalvingTuner(space, 1, [0.1], stopFraction: 0.75, trialsPerBracket: 4, fillBudget: true, incumbentMargin: 0.15);
        // The cards run of docs/experiments.md: 0.315 for the default, 0.393 for the best challenger: the default trains on.
        var cards = new[] { Paused(0, 0.315), Paused(1, 0.393), Paused(2, 0.080), Paused(3, 0.059) };
        Assert.AreEqual(DetectionTrialStep.Resume(0, toDeadline: true), t.Next(cards, 4));
        // Exactly the margin ahead is a tie, which goes to trial 0; more than the margin wins.
        Assert.AreEqual(DetectionTrialStep.Resume(0, toDeadline: true), t.Next([Paused(0, 0.25), Paused(1, 0.40), cards[2], cards[3]], 4));
        Assert.AreEqual(DetectionTrialStep.Resume(1, toDeadline: true), t.Next([Paused(0, 0.25), Paused(1, 0.41), cards[2], cards[3]], 4));
        // Among challengers the order is their scores'; when the default finishes early the best challenger trains on.
        Assert.AreEqual(DetectionTrialStep.Resume(1, toDeadline: true), t.Next([Done(0, 0.315), cards[1], cards[2], cards[3]], 4));
        // Without a default point there is no incumbent, and the margin is 0.
        var plain = new SuccessiveHalvingTuner(new DetectionSearchSpace(), 1, [0.1], 0.75, 4, fillBudget: true, incumbentMargin: 0.15);
        Assert.AreEqual(0, plain.IncumbentMargin);
        Assert.AreEqual(DetectionTrialStep.Resume(1, toDeadline: true), plain.Next(cards, 4));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SuccessiveHalvingTuner(space, 1, incumbentMargin: -0.1));
    }

    [TestMethod]
    public void ACappedFillStopsAtItsCapButAlwaysTrainsOnePeriodMore()
    {
        Assert.AreEqual(3741, BudgetSchedule.Cap(3741, 225, null));
        Assert.AreEqual(1638, BudgetSchedule.Cap(3741, 225, 1638));
        Assert.AreEqual(900, BudgetSchedule.Cap(900, 225, 1638));      // the time left fits less: the fit stands
        Assert.AreEqual(1705, BudgetSchedule.Cap(3741, 1700, 1638));  // already past the cap: one period more
        Assert.AreEqual(1702, BudgetSchedule.Cap(1702, 1700, 1638));  // and never more than the time fits
        // The log lines say when the cap bound, and only then.
        Assert.AreEqual("; capped at 1638, where 3741 would fit", BudgetSchedule.CapNote(1638, 3741, "1638"));
        Assert.AreEqual("", BudgetSchedule.CapNote(900, 900, "1638"));
        Assert.AreEqual("", BudgetSchedule.CapNote(900, null, "1638"));
    }

    [TestMethod]
    public void ScheduleCostCountsEachRungsSurvivors()
    {
        var t = new SuccessiveHalvingTuner(new DetectionSearchSpace(), 1, [0.25, 0.5], stopFraction: 0.5, trialsPerBracket: 4);
        // 4 x 0.25 + keep(4)=2 x 0.25 + keep(2)=1 x 0.5 = 2.0 schedules.
        Assert.AreEqual(2.0, t.ScheduleCost(4), 1e-12);
        // 5 trials: 1.25 + keep(5)=3 x 0.25 + keep(3)=2 x 0.5 = 3.0.
        Assert.AreEqual(3.0, t.ScheduleCost(5), 1e-12);
        // One trial: 0.5 to its checkpoint, then keep(1) = 1 for the other half.
        Assert.AreEqual(1.0, new SuccessiveHalvingTuner(new DetectionSearchSpace(), 1, [0.5], 0.5, 1).ScheduleCost(1), 1e-12);
    }

    [TestMethod]
    public void RandomSearchStartsTrialsUntilTheLimitAndHasNoCheckpoints()
    {
        var t = new RandomSearchTuner(new DetectionSearchSpace(), 3);
        Assert.AreEqual(0, t.CheckpointFractions.Count);
        Assert.AreEqual(DetectionTrialStep.Start, t.Next([Done(0, [])], 2));
        Assert.AreEqual(DetectionTrialStep.Stop, t.Next([Done(0, []), Done(1, [])], 2));
    }

    [TestMethod]
    public void ScheduleFittedToTheDeadlineUsesTheMedianIterationTime()
    {
        // Median of {2, 2, 2, 9} (upper middle) is 2 s; (110 - 10 eval - 10 start-up) x 0.97 = 87.3 s fits 43 more.
        Assert.AreEqual(40 + 43, BudgetSchedule.FitToDeadline(40, [2, 9, 2, 2], 10, TimeSpan.FromSeconds(110)));
        // No time left: still one progress period more.
        Assert.AreEqual(45, BudgetSchedule.FitToDeadline(40, [2], 10, TimeSpan.FromSeconds(5)));
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
            CollectionAssert.Contains(space.FpnChannels.ToList(), p.FpnChannels);
        }
    }

    [TestMethod]
    public void TheDefaultPointIsTrialZeroThenTheDrawsGoOn()
    {
        var d = new DetectionParameters(18, 0.02, 256, [16, 32, 64, 128, 256], 128, 300);
        var space = new DetectionSearchSpace { Default = d };
        var plain = new DetectionSearchSpace();
        foreach (var (withDefault, without) in new (IDetectionTuner, IDetectionTuner)[]
        {
            (new SuccessiveHalvingTuner(space, 9), new SuccessiveHalvingTuner(plain, 9)),
            (new RandomSearchTuner(space, 9), new RandomSearchTuner(plain, 9)),
        })
        {
            Assert.AreSame(d, withDefault.Propose(0));
            // From trial 1 on, the same seeded draws as a space without a default (the default consumes no draw).
            CollectionAssert.AreEqual(Enumerable.Range(1, 5).Select(i => without.Propose(i - 1).ToString()).ToList(),
                Enumerable.Range(1, 5).Select(i => withDefault.Propose(i).ToString()).ToList());
        }
        var e = Assert.ThrowsExactly<ArgumentException>(() => new DetectionSearchSpace { Default = d with { ImageSize = 300 } }.Validate());
        StringAssert.Contains(e.Message, "image size 300");
        e = Assert.ThrowsExactly<ArgumentException>(() => new DetectionSearchSpace { Default = d with { BaseLearningRate = 0.5 } }.Validate());
        StringAssert.Contains(e.Message, "base LR 0.5");
    }

    [TestMethod]
    public void InvalidSearchSpaceIsNamed()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new DetectionSearchSpace { BackboneDepths = [18, 20] }.Validate());
        StringAssert.Contains(e.Message, "20");
        e = Assert.ThrowsExactly<ArgumentException>(() => new DetectionSearchSpace { AnchorSizeSets = [[32, 64]] }.Validate());
        StringAssert.Contains(e.Message, "5 sizes");
        e = Assert.ThrowsExactly<ArgumentException>(() => new DetectionSearchSpace { FpnChannels = [128, 48] }.Validate());
        StringAssert.Contains(e.Message, "FPN width 48");
        e = Assert.ThrowsExactly<ArgumentException>(() => new DetectionSearchSpace { FpnChannels = [] }.Validate());
        StringAssert.Contains(e.Message, "FpnChannels");
        var d = new DetectionParameters(18, 0.02, 256, [16, 32, 64, 128, 256], 128, 300, FpnChannels: 64);
        e = Assert.ThrowsExactly<ArgumentException>(() => new DetectionSearchSpace { ImageSizes = [256], Iterations = [300], Default = d }.Validate());
        StringAssert.Contains(e.Message, "FPN width 64");
    }

    [TestMethod]
    public void FpnWidthIsWrittenToTheConfigAndBothWidthsAreDrawn()
    {
        var cfg = new RcnnConfig();
        new DetectionParameters(18, 0.02, 256, [16, 32, 64, 128, 256], 128, 300, FpnChannels: 128).ApplyTo(cfg);
        Assert.AreEqual(128, cfg.Model.Fpn.OutChannels);
        new DetectionParameters(18, 0.02, 256, [16, 32, 64, 128, 256], 128, 300).ApplyTo(cfg);
        Assert.AreEqual(256, cfg.Model.Fpn.OutChannels);  // detectron2's width unless the search picks another
        var tuner = new RandomSearchTuner(new DetectionSearchSpace(), 1);
        var widths = Enumerable.Range(0, 40).Select(i => tuner.Propose(i).FpnChannels).ToHashSet();
        CollectionAssert.AreEquivalent(new[] { 128, 256 }, widths.ToArray());
    }

    [TestMethod]
    public void ADeadlineScheduleIsRefittedHalfwayOnlyWhenOffByMoreThanFivePercent()
    {
        // FitToDeadline: done + floor((left - eval - 10 s start-up) x 0.97 / median iteration time).
        double[] fast = Enumerable.Repeat(0.9, 20).ToArray();
        // (300 - 20 - 10) x 0.97 / 0.9 = 291 -> 591, within 5% of 583: kept.
        Assert.IsNull(BudgetSchedule.Refit(300, 583, fast, 20, TimeSpan.FromSeconds(300)));
        // (400 - 30) x 0.97 / 0.9 = 398.8 -> 698: the machine got faster, the schedule grows (LR step 558 still ahead).
        Assert.AreEqual(698, BudgetSchedule.Refit(300, 583, fast, 20, TimeSpan.FromSeconds(400)));
        // 261.9 / 2.0 = 130.95 -> 430: slower, it shrinks so that the LR step (344) still comes before the deadline.
        Assert.AreEqual(430, BudgetSchedule.Refit(300, 583, Enumerable.Repeat(2.0, 20).ToArray(), 20, TimeSpan.FromSeconds(300)));
        // 261.9 / 4.0 = 65.5 -> 365, whose LR step (292) is already behind iteration 300: kept.
        Assert.IsNull(BudgetSchedule.Refit(300, 583, Enumerable.Repeat(4.0, 20).ToArray(), 20, TimeSpan.FromSeconds(300)));
    }

    [TestMethod]
    public void ATrialScoredAtCheckpointsWarmsUpByHalfTheFirst()
    {
        // rcnn experiment's 20-minute plan: schedule 864 (its own warm-up 144), first checkpoint at 105.
        Assert.AreEqual(52, DetectionTrialRunner.WarmupIters(144, [105, 400]));
        Assert.AreEqual(144, DetectionTrialRunner.WarmupIters(144, [400]));  // already over by then
        Assert.AreEqual(144, DetectionTrialRunner.WarmupIters(144, []));     // no checkpoint: the schedule's own
        Assert.AreEqual(1, DetectionTrialRunner.WarmupIters(10, [1]));
    }

    [TestMethod]
    public void EqualTimeCheckpointsPauseOnTrainedSecondsNotIterations()
    {
        // By iteration: iteration 9 is the 10th, so a target of 10 is reached there and not before.
        Assert.IsFalse(DetectionTrialRunner.ReachedCheckpoint(8, 10, 1e9, null));
        Assert.IsTrue(DetectionTrialRunner.ReachedCheckpoint(9, 10, 0, null));
        // By time: the iteration target no longer matters, only the seconds trained against the reference.
        Assert.IsFalse(DetectionTrialRunner.ReachedCheckpoint(40, 10, 86.9, 87.0));
        Assert.IsTrue(DetectionTrialRunner.ReachedCheckpoint(3, 10, 87.0, 87.0));
        Assert.IsFalse(new SuccessiveHalvingTuner(new DetectionSearchSpace(), 1).EqualTimeCheckpoints);
        Assert.IsTrue(new SuccessiveHalvingTuner(new DetectionSearchSpace(), 1, equalTimeCheckpoints: true).EqualTimeCheckpoints);
        Assert.IsFalse(((IDetectionTuner)new RandomSearchTuner(new DetectionSearchSpace(), 1)).EqualTimeCheckpoints);
    }
}
