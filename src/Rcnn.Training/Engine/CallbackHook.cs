namespace Rcnn.Training.Engine;

/// <summary>detectron2's <c>CallbackHook</c>: a hook made of functions, for small additions that need no class of
/// their own (e.g. pausing a run at a condition).</summary>
public sealed class CallbackHook(Action<Trainer>? beforeTrain = null, Action<Trainer>? afterStep = null, Action<Trainer>? afterTrain = null) : HookBase
{
    public override void BeforeTrain() => beforeTrain?.Invoke(Trainer);

    public override void AfterStep() => afterStep?.Invoke(Trainer);

    public override void AfterTrain() => afterTrain?.Invoke(Trainer);
}
