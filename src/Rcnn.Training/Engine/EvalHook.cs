using System.Diagnostics;

namespace Rcnn.Training.Engine;

/// <summary>Evaluates every <paramref name="period"/> iterations (0 = only at the end) from iteration
/// <paramref name="startAt"/> on (e.g. past the warm-up, where scores say little), and after the last one (detectron2's
/// <c>EvalHook</c>), also when training stopped early and <paramref name="evaluateWhenStopped"/> says so (e.g. a time
/// budget ended it); the returned metrics, and the seconds the evaluation took as "eval_time", are recorded in the
/// trainer's storage.</summary>
public sealed class EvalHook(int period, Func<IReadOnlyDictionary<string, double>> evaluate, int startAt = 0, Func<bool>? evaluateWhenStopped = null) : HookBase
{
    public const string TimeKey = "eval_time";

    public IReadOnlyDictionary<string, double>? LastResults { get; private set; }

    public override void AfterStep()
    {
        int next = Trainer.Iteration + 1;
        if (period > 0 && next % period == 0 && next >= startAt && next < Trainer.MaxIteration) Run();
    }

    public override void AfterTrain()
    {
        bool evaluated = Trainer.Storage.History(TimeKey) is { Count: > 0 } h && h[^1].Iteration == Trainer.Iteration - 1;
        if (Trainer.Completed || (evaluateWhenStopped?.Invoke() == true && Trainer.Iteration > Trainer.StartIteration && !evaluated))
        {
            Trainer.Storage.Iteration = Trainer.Iteration - 1;   // the last iteration trained
            Run();
        }
    }

    private void Run()
    {
        var clock = Stopwatch.StartNew();
        Trainer.Model.eval();
        try
        {
            LastResults = evaluate();
            foreach (var (k, v) in LastResults) Trainer.Storage.Put(k, v);
        }
        finally
        {
            Trainer.Model.train();
        }
        Trainer.Storage.Put(TimeKey, clock.Elapsed.TotalSeconds);
    }
}
