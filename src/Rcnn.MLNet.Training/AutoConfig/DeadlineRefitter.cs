namespace Rcnn.MLNet.AutoConfig;

/// <summary>
/// Keeps a schedule fitted to a deadline on time while it trains (<c>rcnn train --time-budget</c>, experiment trials):
/// from halfway through it, and again every tenth of it, checks it against the iteration time measured since the last
/// check. Before its LR step it switches to <see cref="BudgetSchedule.Refit"/>'s schedule when it is more than 5% off;
/// after the step it only shortens, to <see cref="BudgetSchedule.Trim"/>'s, when the rest would not end by the
/// deadline. One check halfway was not enough on a shared host whose speed drifts: a slowdown after it could cut the
/// run before its LR step (a run cut by the deadline never trains at the lower LR), or end it cut short.
/// </summary>
public sealed class DeadlineRefitter
{
    /// <summary>Iteration times a check needs since the last one (medians of fewer are noise).</summary>
    public const int MinSamples = 10;

    /// <summary>Iterations at the start of a segment whose times carry start-up costs (allocation, first batches).</summary>
    public const int StartupIterations = 2;

    private readonly int start;
    private readonly DateTime deadline;
    private readonly double reserveSeconds;
    private readonly Func<int, int, int> cap;
    private int? nextCheck;
    private int measuredFrom;

    /// <param name="start">The iteration the segment started at (the times it records begin there).</param>
    /// <param name="deadline">When training must have ended (UTC).</param>
    /// <param name="reserveSeconds">Time kept before the deadline for what follows training in the same budget.</param>
    /// <param name="cap">Holds a new schedule (fit, done) to a limit; none when null.</param>
    public DeadlineRefitter(int start, DateTime deadline, double reserveSeconds = 0, Func<int, int, int>? cap = null)
    {
        this.start = start;
        this.deadline = deadline;
        this.reserveSeconds = reserveSeconds;
        this.cap = cap ?? ((fit, _) => fit);
        measuredFrom = start + StartupIterations;
    }

    /// <summary>The median iteration time the last check measured (seconds); NaN before the first.</summary>
    public double SecondsPerIteration { get; private set; } = double.NaN;

    /// <summary>The schedule the last check fitted to the time left before the cap held it; null before the first
    /// check or when it kept the schedule. Greater than the schedule returned when the cap bound, so logs can say so.</summary>
    public int? Fitted { get; private set; }

    /// <summary>
    /// After iteration <paramref name="iteration"/> (0-based, just trained) of a <paramref name="maxIteration"/>
    /// schedule whose iteration times are <paramref name="times"/>: the schedule to switch to, or null to keep it.
    /// <paramref name="overhead"/> is the time spent between iterations (periodic evaluation) as a share of the time
    /// spent in them; each iteration is counted that much longer.
    /// </summary>
    public int? Check(int iteration, int maxIteration, IReadOnlyList<(int Iteration, double Value)> times, DateTime now, double overhead = 0)
    {
        // Lines logged while the trainer sets up (its loop not started: no schedule yet) are not checks.
        if (iteration < start || maxIteration <= start) return null;
        int trained = iteration + 1;
        nextCheck ??= start + (maxIteration - start) / 2;
        if (trained < nextCheck) return null;
        double scale = 1 + Math.Max(0, overhead);
        var recent = times.Where(t => t.Iteration >= measuredFrom).Select(t => t.Value * scale).ToList();
        if (recent.Count < MinSamples) return null;

        measuredFrom = trained;
        SecondsPerIteration = recent.Order().ElementAt(recent.Count / 2);
        int? refit = trained < BudgetSchedule.LrStep(maxIteration)
            ? BudgetSchedule.Refit(trained, maxIteration, recent, reserveSeconds, deadline - now)
            : BudgetSchedule.Trim(trained, maxIteration, recent, reserveSeconds, deadline - now);
        Fitted = refit;
        int schedule = refit is int r ? cap(r, trained) : maxIteration;
        nextCheck = trained + Math.Max(MinSamples, (schedule - start) / 10);
        return schedule != maxIteration ? schedule : null;
    }
}
