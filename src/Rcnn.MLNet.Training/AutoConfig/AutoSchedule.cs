using System.Globalization;
using Rcnn.Training.Engine;

namespace Rcnn.MLNet.AutoConfig;

/// <summary>
/// How an auto-configured run (<c>rcnn train</c>, <c>DetectObjects</c>) decides when to stop: its schedule is fitted to
/// the budget and kept on time (<see cref="DeadlineRefitHook"/>); its validation images (a validation split, else images
/// held out of the training data: <see cref="Rcnn.Training.Data.HoldOut"/>) are evaluated every twentieth of the
/// schedule once the warm-up is over; the LR steps as soon as <see cref="Patience"/> evaluations in a row bring no new
/// best by more than <see cref="MinDelta"/> AP (<see cref="PlateauHook"/>): the schedule is shortened so that its step
/// (<see cref="BudgetSchedule.LrStep"/>, at 80%) falls at the next iteration, and a quarter of what was trained follows
/// at the lower LR. So a run that stopped improving ends a quarter later, and one that keeps improving uses the
/// budget; the best model by validation is kept
/// (<see cref="BestCheckpointerHook"/>) and is the run's final model.
/// </summary>
public sealed class AutoSchedule
{
    /// <summary>The validation metric that steers the run: COCO AP at IoU 0.50:0.95.</summary>
    public const string Metric = "bbox/AP";

    /// <summary>Evaluations a schedule is planned to have.</summary>
    public const int EvaluationsPerSchedule = 20;

    /// <summary>Evaluations without a new best before the LR steps.</summary>
    public const int Patience = 4;

    /// <summary>AP points an evaluation must beat the best by to count as improving.</summary>
    public const double MinDelta = 0.1;

    private readonly bool validate;
    private readonly DeadlineRefitter? refitter;
    private readonly Action<string> log;
    private readonly Action<int>? rescheduled;
    private readonly string prefix;

    /// <param name="validate">The run has validation images (DATASETS.TEST names them).</param>
    /// <param name="refitter">Keeps a schedule fitted to a deadline on time; null for a given schedule.</param>
    /// <param name="rescheduled">Told the new length when the schedule changes (e.g. a progress bar).</param>
    /// <param name="logPrefix">Put before each line this schedule logs (e.g. "Trial 3: ").</param>
    public AutoSchedule(bool validate, DeadlineRefitter? refitter, Action<string> log, Action<int>? rescheduled = null, string logPrefix = "")
    {
        this.validate = validate;
        this.refitter = refitter;
        prefix = logPrefix;
        this.log = line => log(prefix + line);
        this.rescheduled = rescheduled;
    }

    /// <summary>The largest share of training time validation may take.</summary>
    public const double MaxEvaluationShare = 0.1;

    /// <summary>TEST.EVAL_PERIOD for a schedule of <paramref name="maxIter"/> iterations: a twentieth of it, at least 10,
    /// and long enough that an evaluation of <paramref name="evaluationSeconds"/> takes at most
    /// <see cref="MaxEvaluationShare"/> of the time at <paramref name="iterationsPerSecond"/> (when both are known).</summary>
    public static int EvalPeriod(int maxIter, double evaluationSeconds = 0, double iterationsPerSecond = 0)
    {
        int period = Math.Max(10, maxIter / EvaluationsPerSchedule);
        if (evaluationSeconds > 0 && iterationsPerSecond > 0)
            period = Math.Max(period, (int)Math.Ceiling(evaluationSeconds * iterationsPerSecond / MaxEvaluationShare));
        return period;
    }

    public BestCheckpointerHook? Best { get; private set; }

    public PlateauHook? Plateau { get; private set; }

    /// <summary>The iteration the plateau moved the LR step to, or null while it has not.</summary>
    public int? SteppedAt => Plateau?.ActedAt;

    /// <summary>The hooks DefaultTrainerOptions.Hooks takes.</summary>
    public IReadOnlyList<Func<DefaultTrainer, HookBase>> Hooks()
    {
        var hooks = new List<Func<DefaultTrainer, HookBase>>();
        if (validate)
        {
            hooks.Add(t => Best = new BestCheckpointerHook(t.Checkpointer, Metric, log));
            hooks.Add(t => Plateau = new PlateauHook(Metric, Patience, MinDelta, next => StepNow(t, next), log));
        }
        if (refitter is not null)
            hooks.Add(t => new DeadlineRefitHook(refitter, (fit, was) =>
            {
                Reschedule(t, fit);
                log(string.Create(CultureInfo.InvariantCulture,
                    $"{(prefix.Length > 0 ? "schedule" : "Schedule")} refitted to the time left at iteration {t.Trainer!.Iteration + 1}: {fit} iterations (was {was}; {refitter.SecondsPerIteration:F2} s/it measured)") +
                    BudgetSchedule.CapNote(fit, refitter.Fitted, fit.ToString(CultureInfo.InvariantCulture)) + ".");
            }));
        return hooks;
    }

    /// <summary>
    /// After training: loads the best model by validation into <paramref name="trainer"/>'s model unless the model is
    /// already it (the last iteration trained is the best one's), and says which model the run ends with; null without
    /// validation.
    /// </summary>
    public string? UseBest(DefaultTrainer trainer)
    {
        if (Best?.Best is not { } best) return null;
        int lastTrained = (trainer.Trainer?.Iteration ?? 0) - 1;
        if (lastTrained != best.Iteration) Rcnn.Training.Engine.Checkpointer.LoadWeights(Best.Path, trainer.Model, strict: true);
        var last = trainer.Trainer?.Storage.History(Metric) is { Count: > 0 } h ? h[^1] : ((int Iteration, double Value)?)null;
        var inv = CultureInfo.InvariantCulture;
        return string.Create(inv, $"Final model: the best by validation, iteration {best.Iteration + 1} (validation AP {best.Value:F1})") +
            (last is { } x && x.Iteration != best.Iteration ? string.Create(inv, $"; the last evaluation, at iteration {x.Iteration + 1}, scored {x.Value:F1}") : "") +
            (lastTrained > best.Iteration ? string.Create(inv, $"; {lastTrained - best.Iteration} later iterations are not used") : "") +
            (SteppedAt is int s ? $"; validation stopped improving and the LR stepped at iteration {s}" : "") + ".";
    }

    /// <summary>Steps the LR at iteration <paramref name="next"/> unless the schedule's own step is there already.</summary>
    private bool StepNow(DefaultTrainer trainer, int next)
    {
        int max = trainer.Trainer!.MaxIteration;
        if (next >= BudgetSchedule.LrStep(max)) return false;
        int shortened = BudgetSchedule.StepAt(next);
        if (shortened >= max) return false;
        Reschedule(trainer, shortened);
        log(string.Create(CultureInfo.InvariantCulture, $"LR step now, at iteration {next}; the schedule ends at {shortened} (was {max})."));
        return true;
    }

    private void Reschedule(DefaultTrainer trainer, int maxIter)
    {
        trainer.Reschedule(BudgetSchedule.SolverOverrides(maxIter));
        rescheduled?.Invoke(maxIter);
    }
}
