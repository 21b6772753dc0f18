using Rcnn.Training.Engine;

namespace Rcnn.MLNet.AutoConfig;

/// <summary>
/// Keeps a schedule fitted to a deadline on time while it trains (<see cref="DeadlineRefitter"/>'s checks after every
/// iteration), counting the time periodic evaluations take (<see cref="EvalHook.TimeKey"/>) as part of each iteration's.
/// A new length goes to <paramref name="reschedule"/> with the old one (<see cref="DefaultTrainer.Reschedule"/>).
/// </summary>
public sealed class DeadlineRefitHook(DeadlineRefitter refitter, Action<int, int> reschedule) : HookBase
{
    public DeadlineRefitter Refitter => refitter;

    public override void AfterStep()
    {
        var s = Trainer.Storage;
        double trained = s.History("time").Sum(t => t.Value), evaluating = s.History(EvalHook.TimeKey).Sum(t => t.Value);
        int was = Trainer.MaxIteration;
        if (refitter.Check(Trainer.Iteration, was, s.History("time"), DateTime.UtcNow, trained > 0 ? evaluating / trained : 0) is int fit)
            reschedule(fit, was);
    }
}
