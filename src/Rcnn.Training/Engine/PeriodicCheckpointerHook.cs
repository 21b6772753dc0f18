namespace Rcnn.Training.Engine;

/// <summary>Saves <c>model_{iteration:D7}</c> every <paramref name="period"/> iterations and <c>model_final</c>
/// when training completes (detectron2's <c>PeriodicCheckpointer</c>).</summary>
public sealed class PeriodicCheckpointerHook(Checkpointer checkpointer, int period) : HookBase
{
    public override void AfterStep()
    {
        int next = Trainer.Iteration + 1;
        if (next % period == 0 && next < Trainer.MaxIteration)
            checkpointer.Save($"model_{Trainer.Iteration:D7}", Trainer.Model, Trainer.Optimizer, Trainer.Iteration);
    }

    public override void AfterTrain()
    {
        if (Trainer.Completed)
            checkpointer.Save("model_final", Trainer.Model, Trainer.Optimizer, Trainer.MaxIteration - 1);
    }
}
