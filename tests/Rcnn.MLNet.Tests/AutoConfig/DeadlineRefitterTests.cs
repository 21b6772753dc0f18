using Rcnn.MLNet.AutoConfig;

namespace Rcnn.MLNet.Tests.AutoConfig;

[TestClass]
public class DeadlineRefitterTests
{
    private static readonly DateTime T0 = new(2026, 12, 4, 5, 0, 0, DateTimeKind.Utc);

    /// <summary>Iteration times as the trainer records them: iterations [from, to) at <paramref name="seconds"/> each.</summary>
    private static void Record(List<(int, double)> times, int from, int to, double seconds)
    {
        for (int i = from; i < to; i++) times.Add((i, seconds));
    }

    [TestMethod]
    public void ASlowdownAfterHalfwayIsCaughtBeforeTheLrStep()
    {
        // 1000 iterations planned at 1 s/it; the deadline (no reserve) 1000 s after the start.
        var deadline = T0.AddSeconds(1000);
        var refitter = new DeadlineRefitter(0, deadline);
        var times = new List<(int, double)>();
        // The trainer logs while it sets up, before its loop has a schedule: that is no check, nor the end of them.
        Assert.IsNull(refitter.Check(0, 0, times, T0));
        Assert.IsTrue(double.IsNaN(refitter.SecondsPerIteration));
        Record(times, 0, 500, 1.0);
        Assert.IsNull(refitter.Check(498, 1000, times, T0.AddSeconds(499)), "before halfway nothing is checked");
        // Halfway, 500 s left: 500 + floor((500 - 10) x 0.97 / 1.0) = 975, within 5% of 1000: kept.
        Assert.IsNull(refitter.Check(499, 1000, times, T0.AddSeconds(500)));
        Assert.AreEqual(1.0, refitter.SecondsPerIteration);

        // The host slows to 1.8 s/it. The next check is a tenth of the schedule later, at 600.
        Record(times, 500, 600, 1.8);
        Assert.IsNull(refitter.Check(549, 1000, times, T0.AddSeconds(590)));
        // At 600, 320 s left, measured since the last check 1.8 s/it: 600 + floor(310 x 0.97 / 1.8) = 767, whose LR
        // step (613) still lies ahead. Kept at 1000, the deadline would cut the run at about 777, before its step at 800.
        Assert.AreEqual(767, refitter.Check(599, 1000, times, T0.AddSeconds(680)));
        Assert.AreEqual(1.8, refitter.SecondsPerIteration);

        // Past the new schedule's LR step (613) it is never lengthened: at 676, on time at 1.8 s/it, the rest
        // (91 x 1.8 = 163.8 s) fits the 183.2 s left, and the schedule stays.
        Record(times, 600, 676, 1.8);
        Assert.IsNull(refitter.Check(675, 767, times, T0.AddSeconds(816.8)));
        // At 752, after a slowdown to 2.2 s/it, the rest (15 x 2.2 = 33 s) does not fit the 16 s left: it is trimmed to
        // 752 + floor(16 x 0.97 / 2.2) = 759 so that it completes, its LR still stepped down, instead of being cut.
        Record(times, 676, 752, 2.2);
        Assert.AreEqual(759, refitter.Check(751, 767, times, T0.AddSeconds(984)));
    }

    [TestMethod]
    public void AResumedSegmentMeasuresTenIterationsPastItsStartUpAndIsCapped()
    {
        // A segment resumed at 4 with a schedule of 24: halfway is 14, but its first two iterations carry start-up
        // costs and do not count, so at 14 only eight are measured.
        var refitter = new DeadlineRefitter(4, T0.AddSeconds(100), cap: (fit, done) => Math.Min(fit, 50));
        var times = new List<(int, double)>();
        Record(times, 4, 6, 9.0);
        Record(times, 6, 14, 1.0);
        Assert.IsNull(refitter.Check(13, 24, times, T0));
        Assert.IsTrue(double.IsNaN(refitter.SecondsPerIteration));
        Record(times, 14, 16, 1.0);
        // Ten measured at 1 s/it, 100 s left: 16 + floor(90 x 0.97) = 103, held to the cap of 50.
        Assert.AreEqual(50, refitter.Check(15, 24, times, T0));
        Assert.AreEqual(103, refitter.Fitted);
    }

    [TestMethod]
    public void AReserveIsKeptBeforeTheDeadline()
    {
        var refitter = new DeadlineRefitter(0, T0.AddSeconds(301), reserveSeconds: 90);
        var times = new List<(int, double)>();
        Record(times, 0, 100, 1.0);
        // 100 + floor((301 - 90 - 10) x 0.97 / 1.0) = 294 against the 200 planned.
        Assert.AreEqual(294, refitter.Check(99, 200, times, T0));
        Assert.AreEqual(294, refitter.Fitted);
    }
}
