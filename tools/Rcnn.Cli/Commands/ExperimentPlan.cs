using System.Globalization;

namespace Rcnn.Cli.Commands;

/// <summary>
/// How <c>rcnn experiment</c> spends its budget. Successive halving (the default): one bracket of N trials (at most
/// --max-trials; more than 4 only when each still gets <see cref="MinFirst"/> iterations), the first of them the
/// configuration <c>rcnn train</c> would pick, trains r iterations each, <see cref="Explore"/> of the budget in all; the
/// best one (trial 0 unless a challenger leads it by more than <see cref="IncumbentMargin"/>) is promoted and trains on from its checkpoint with its schedule fitted to the rest of the budget, so the
/// winning configuration gets most of the time a single run would; as in <c>rcnn train</c>, validation steps its LR
/// when it stops improving and keeps its best model, and when that ends it early, the next best trials train on in the
/// time left, and the best of them wins.
/// Random search: every trial gets an equal share. Iterations are what the measured speed fits in 85% of the time left
/// (15% for validation scoring and start-ups).
/// </summary>
public sealed record ExperimentPlan(int TrialsPerBracket, int Iterations, double CheckpointFraction, double StopFraction,
    IReadOnlyList<int> Depths, string Description)
{
    /// <summary>The share of the budget's iterations the bracket's first segments take between them.</summary>
    public const double Explore = 0.35;

    /// <summary>Iterations a first segment needs for its score to say something (the trials' warm-up ends by half of it);
    /// more than 4 trials only when each still gets this many.</summary>
    public const int MinFirst = 100;

    /// <summary>How far (validation MAP50) a challenger must lead trial 0, the configuration <c>rcnn train</c> would
    /// pick, at the first checkpoint to be promoted over it: the spread of that score between two runs of the same
    /// configuration (docs/experiments.md).</summary>
    public const double IncumbentMargin = 0.15;

    public static ExperimentPlan For(double secondsLeft, double iterationsPerSecond, int maxTrials, bool random, TimeSpan budget)
    {
        if (!(iterationsPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(iterationsPerSecond), iterationsPerSecond, "must be > 0");
        if (maxTrials < 1) throw new ArgumentOutOfRangeException(nameof(maxTrials), maxTrials, "must be >= 1");
        var inv = CultureInfo.InvariantCulture;
        // From scratch on a CPU a deeper backbone only pays off with hours (as AutoConfigPicker's rule).
        IReadOnlyList<int> depths = budget >= TimeSpan.FromHours(2) ? [18, 34] : [18];
        double total = Math.Max(0, secondsLeft) * 0.85 * iterationsPerSecond;
        if (random)
        {
            int share = Math.Max(20, (int)(total / maxTrials / 10) * 10);
            return new ExperimentPlan(maxTrials, share, 0.5, 0, depths, string.Create(inv,
                $"Random search: up to {maxTrials} trials of {share} iterations each (an equal share of about {total:F0})."));
        }
        int n = Math.Min(maxTrials, Math.Max(4, (int)(Explore * total / MinFirst)));
        int first = Math.Max(20, (int)Math.Round(Explore * total / n / 5) * 5);
        int schedule = Math.Max(2 * first, (int)total - (n - 1) * first);
        double fraction = (double)first / schedule;
        return new ExperimentPlan(n, schedule, fraction, n == 1 ? 0 : 1 - 1.0 / n, depths, string.Create(inv,
            $"About {total:F0} iterations fit: {n} trials train {first} iterations each, then the best one resumes and trains on to the end of the budget (nominally {schedule} iterations; validation may end it earlier, and then the next best trains on in the time left). A challenger must lead trial 0, the default, by more than {IncumbentMargin * 100:F0} MAP50 points at the checkpoint to take its place."));
    }
}
