using System.Globalization;

namespace Rcnn.Training.Engine;

/// <summary>
/// detectron2's <c>BestCheckpointer</c>: after each evaluation, saves the model as <c>model_best</c> when the metric
/// (e.g. "bbox/AP", higher is better) beats every earlier evaluation of the run. The value goes into the checkpoint, so
/// a resumed run keeps comparing against it. Register it after the <see cref="EvalHook"/> whose results it reads.
/// </summary>
public sealed class BestCheckpointerHook(Checkpointer checkpointer, string metric = "bbox/AP", Action<string>? log = null) : HookBase
{
    public const string FileName = "model_best";
    public const string MetricKey = "best_metric";
    public const string ValueKey = "best_value";

    private int seen = -1;

    public string Metric => metric;

    /// <summary>The best evaluation so far (iteration, value), or null before the first finite one.</summary>
    public (int Iteration, double Value)? Best { get; private set; }

    /// <summary>The file the best model is in.</summary>
    public string Path => System.IO.Path.Combine(checkpointer.Directory, FileName + Checkpointer.Extension);

    public override void BeforeTrain()
    {
        // Only a resumed run continues the comparison; a new run in the same folder starts over.
        if (Trainer.StartIteration == 0)
        {
            if (File.Exists(Path)) File.Delete(Path);
            return;
        }
        if (Checkpointer.ExtraOf(Path) is not { } extra) return;
        if (extra.GetValueOrDefault(MetricKey) == metric && Checkpointer.IterationOf(Path) is int it && it < Trainer.StartIteration
            && double.TryParse(extra.GetValueOrDefault(ValueKey), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            Best = (it, v);
    }

    public override void AfterStep() => Check();

    public override void AfterTrain() => Check();

    private void Check()
    {
        var history = Trainer.Storage.History(metric);
        if (history.Count == 0 || history[^1].Iteration == seen) return;
        var (iteration, value) = history[^1];
        seen = iteration;
        if (!double.IsFinite(value) || (Best is { } b && value <= b.Value)) return;
        Best = (iteration, value);
        checkpointer.Save(FileName, Trainer.Model, Trainer.Optimizer, iteration, new Dictionary<string, string>
        {
            [MetricKey] = metric,
            [ValueKey] = value.ToString("R", CultureInfo.InvariantCulture),
        });
        log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"New best {metric} {value:F2} at iteration {iteration}: saved {FileName}."));
    }
}
