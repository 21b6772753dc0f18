namespace Rcnn.Training.Engine;

/// <summary>Runs around the training loop (detectron2's <c>HookBase</c>): checkpointing, evaluation, logging.</summary>
public abstract class HookBase
{
    /// <summary>The trainer this hook belongs to; set when the hook is registered.</summary>
    public Trainer Trainer { get; internal set; } = null!;

    public virtual void BeforeTrain() { }

    public virtual void BeforeStep() { }

    public virtual void AfterStep() { }

    public virtual void AfterTrain() { }
}
