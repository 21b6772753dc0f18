using System.Globalization;

namespace Rcnn.MLNet.AutoConfig;

/// <summary>
/// The schedule of a run that must end by a deadline (<c>rcnn train --time-budget</c>, experiment trials): one LR step at
/// 80% and a warm-up of a sixth (10..200 iterations), a length fitted to the time left at the measured iteration time,
/// and refits while it trains when the machine turned out faster or slower than measured (<see cref="DeadlineRefitter"/>).
/// </summary>
public static class BudgetSchedule
{
    /// <summary>Seconds kept aside, in a fitted schedule, for building the model and resuming.</summary>
    public const double StartupSeconds = 10;

    /// <summary>A fitted schedule is at least this many iterations longer than what is done (one progress period).</summary>
    public const int MinMore = 5;

    /// <summary>
    /// A schedule fitted to the time (<paramref name="fit"/>) held to at most <paramref name="max"/> iterations (none when
    /// null); a run already at or past <paramref name="max"/> after <paramref name="done"/> gets one progress period
    /// more (<see cref="MinMore"/>), and never more than the time fits.
    /// </summary>
    public static int Cap(int fit, int done, int? max) => max is int m ? Math.Max(Math.Min(fit, m), Math.Min(fit, done + MinMore)) : fit;

    /// <summary>What a log line adds when <see cref="Cap"/> held a <paramref name="schedule"/> below the
    /// <paramref name="fitted"/> one the time allowed ("; capped at <paramref name="cap"/>, where N would fit"); empty
    /// when it did not.</summary>
    public static string CapNote(int schedule, int? fitted, string cap) =>
        fitted > schedule ? string.Create(CultureInfo.InvariantCulture, $"; capped at {cap}, where {fitted} would fit") : "";

    /// <summary>The iteration of the schedule's LR step: 80% of <paramref name="maxIter"/>.</summary>
    public static int LrStep(int maxIter) => Math.Max(1, (int)(maxIter * 0.8));

    /// <summary>The schedule length whose LR step (<see cref="LrStep"/>) is iteration <paramref name="step"/>: the
    /// iterations before it and a quarter as many after.</summary>
    public static int StepAt(int step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "must be >= 1");
        return (int)Math.Ceiling(step / 0.8 - 1e-9);
    }

    /// <summary>SOLVER.MAX_ITER and SOLVER.STEPS of a schedule of <paramref name="maxIter"/> iterations.</summary>
    public static string[] SolverOverrides(int maxIter) =>
        ["SOLVER.MAX_ITER", maxIter.ToString(CultureInfo.InvariantCulture), "SOLVER.STEPS", $"({LrStep(maxIter).ToString(CultureInfo.InvariantCulture)},)"];

    /// <summary>Warm-up iterations: a sixth of the run, 10..200, and before the LR step.</summary>
    public static int WarmupIters(int maxIter) => Math.Min(Math.Clamp(maxIter / 6, 10, 200), Math.Max(1, LrStep(maxIter) - 1));

    /// <summary>
    /// The schedule length that ends at the deadline <paramref name="left"/> away: the iterations done plus what the
    /// time left (less <paramref name="reserveSeconds"/> for evaluation, <see cref="StartupSeconds"/> and 3%) fits at
    /// the median of <paramref name="iterationSeconds"/>; at least <see cref="MinMore"/> more.
    /// </summary>
    public static int FitToDeadline(int done, IReadOnlyList<double> iterationSeconds, double reserveSeconds, TimeSpan left)
    {
        if (iterationSeconds.Count == 0) throw new ArgumentException("No iteration times measured.", nameof(iterationSeconds));
        double perIteration = iterationSeconds.Order().ElementAt(iterationSeconds.Count / 2);
        double seconds = (left.TotalSeconds - reserveSeconds - StartupSeconds) * 0.97;
        int more = perIteration > 0 ? (int)Math.Floor(seconds / perIteration) : 0;
        return done + Math.Max(MinMore, more);
    }

    /// <summary>
    /// The schedule a run fitted to a deadline switches to, when the iteration time measured since the last check
    /// (<paramref name="recentSeconds"/>) says it is off by more than 5%: null when it is not, or when the new
    /// schedule's LR step would not lie ahead of <paramref name="done"/> (the step must still happen).
    /// </summary>
    public static int? Refit(int done, int maxIter, IReadOnlyList<double> recentSeconds, double reserveSeconds, TimeSpan left)
    {
        int fit = FitToDeadline(done, recentSeconds, reserveSeconds, left);
        if (Math.Abs(fit - maxIter) <= 0.05 * maxIter) return null;
        return LrStep(fit) > done + MinMore ? fit : null;
    }

    /// <summary>
    /// The shorter schedule a run past its LR step switches to when the rest of <paramref name="maxIter"/> would not
    /// end by the deadline at the iteration time measured (<paramref name="recentSeconds"/>), so that it completes
    /// instead of being cut: what the time left (less <paramref name="reserveSeconds"/> and 3%) fits, at least
    /// <see cref="MinMore"/> more; null when the rest fits. Never longer: the LR stays stepped down (a shorter
    /// schedule's step lies further behind).
    /// </summary>
    public static int? Trim(int done, int maxIter, IReadOnlyList<double> recentSeconds, double reserveSeconds, TimeSpan left)
    {
        if (recentSeconds.Count == 0) throw new ArgumentException("No iteration times measured.", nameof(recentSeconds));
        double perIteration = recentSeconds.Order().ElementAt(recentSeconds.Count / 2);
        double seconds = left.TotalSeconds - reserveSeconds;
        if ((maxIter - done) * perIteration <= seconds) return null;
        int more = perIteration > 0 ? (int)Math.Floor(Math.Max(0, seconds) * 0.97 / perIteration) : 0;
        int fit = done + Math.Max(MinMore, more);
        return fit < maxIter ? fit : null;
    }
}
