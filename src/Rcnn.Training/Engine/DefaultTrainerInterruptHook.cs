namespace Rcnn.Training.Engine;

/// <summary>When training is stopped early on request (Ctrl+C), saves the last finished iteration so that
/// <c>--resume</c> continues from it; the periodic checkpointer only saves on schedule and at completion.</summary>
internal sealed class DefaultTrainerInterruptHook(Checkpointer checkpointer, Func<bool> stopRequested, Action<string> log) : HookBase
{
    public override void AfterTrain()
    {
        if (Trainer.Completed || !stopRequested()) return;
        int last = Trainer.Iteration - 1;
        if (last < Trainer.StartIteration) return;  // stopped before any iteration ran: nothing new to save
        string name = $"model_{last:D7}";
        // The periodic checkpointer may have just saved this very iteration.
        if (Checkpointer.IterationOf(Path.Combine(checkpointer.Directory, name + Checkpointer.Extension)) == last)
        {
            log($"Stopped on request after iteration {last}, which is already checkpointed.");
            return;
        }
        log($"Stopped on request after iteration {last}; writing a checkpoint.");
        checkpointer.Save(name, Trainer.Model, Trainer.Optimizer, last);
    }
}
