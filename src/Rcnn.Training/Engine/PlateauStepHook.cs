using System.Globalization;
using Rcnn.Training.Solver;

namespace Rcnn.Training.Engine;

/// <summary>
/// Steps the learning rate when validation stops improving, instead of at a fixed share of a schedule planned in
/// advance: after <paramref name="patience"/> evaluations in a row with no value above the best by more than
/// <paramref name="minDelta"/>, before the schedule's own step, the schedule is shortened so that its step
/// (<see cref="BudgetSchedule.LrStep"/>, at 80%) falls at the next iteration: a quarter of what was trained follows at
/// the lower LR. A schedule whose validation keeps improving runs as planned. Register it after the
/// <see cref="EvalHook"/> whose results it reads; <paramref name="reschedule"/> applies the new length
/// (<see cref="DefaultTrainer.Reschedule"/>).
/// </summary>
public sealed class PlateauStepHook(string metric, int patience, double minDelta, Action<int> reschedule, Action<string>? log = null) : HookBase
{
    private int seen = -1;
    private double best = double.NegativeInfinity;

    /// <summary>Evaluations since the last improvement.</summary>
    public int Stale { get; private set; }

    /// <summary>The iteration the plateau moved the LR step to, or null while it has not.</summary>
    public int? SteppedAt { get; private set; }

    public override void AfterStep()
    {
        var history = Trainer.Storage.History(metric);
        if (history.Count == 0 || history[^1].Iteration == seen) return;
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
        if (++Stale < patience || SteppedAt is not null) return;
        int next = iteration + 1;
        if (next >= BudgetSchedule.LrStep(Trainer.MaxIteration)) return;   // the schedule's own step is here already
        int shortened = BudgetSchedule.StepAt(next);
        if (shortened >= Trainer.MaxIteration) return;
        SteppedAt = next;
        reschedule(shortened);
        log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"Validation {metric} has not improved by more than {minDelta:G3} in {Stale} evaluations (best {best:F2}): LR step now, at iteration {next}; the schedule ends at {shortened}."));
    }
}
