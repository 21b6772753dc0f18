namespace Rcnn.Training.Engine;

/// <summary>Evaluates every <paramref name="period"/> iterations (0 = only at the end) and after the last one
/// (detectron2's <c>EvalHook</c>); the returned metrics are recorded in the trainer's storage.</summary>
public sealed class EvalHook(int period, Func<IReadOnlyDictionary<string, double>> evaluate) : HookBase
{
    public IReadOnlyDictionary<string, double>? LastResults { get; private set; }

    public override void AfterStep()
    {
        int next = Trainer.Iteration + 1;
        if (period > 0 && next % period == 0 && next < Trainer.MaxIteration) Run();
    }

    public override void AfterTrain()
    {
        if (Trainer.Completed) Run();
    }

    private void Run()
    {
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
    }
}
