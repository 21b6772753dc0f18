using System.Globalization;

namespace Rcnn.Training.Engine;

/// <summary>
/// Watches a validation metric (higher is better) and reports a plateau: <paramref name="patience"/> evaluations in a
/// row with no value above the best by more than <paramref name="minDelta"/>. <paramref name="onPlateau"/> gets the next
/// iteration and says whether it acted (e.g. stepped the LR, see Rcnn.MLNet's AutoSchedule); once it has, the hook
/// stops watching. Register it after the <see cref="EvalHook"/> whose results it reads.
/// </summary>
public sealed class PlateauHook(string metric, int patience, double minDelta, Func<int, bool> onPlateau, Action<string>? log = null) : HookBase
{
    private int seen = -1;
    private double best = double.NegativeInfinity;

    /// <summary>Evaluations since the last improvement.</summary>
    public int Stale { get; private set; }

    /// <summary>The iteration after which <c>onPlateau</c> acted, or null while it has not.</summary>
    public int? ActedAt { get; private set; }

    public override void AfterStep()
    {
        var history = Trainer.Storage.History(metric);
        if (history.Count == 0 || history[^1].Iteration == seen || ActedAt is not null) return;
        var (iteration, value) = history[^1];
        seen = iteration;
        if (!double.IsFinite(value)) return;
        if (value > best + minDelta)
        {
            best = value;
            Stale = 0;
            return;
        }
        if (value > best) best = value;
        if (++Stale < patience || !onPlateau(iteration + 1)) return;
        ActedAt = iteration + 1;
        log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"Validation {metric} has not improved by more than {minDelta:G3} in {Stale} evaluations (best {best:F2})."));
    }
}
