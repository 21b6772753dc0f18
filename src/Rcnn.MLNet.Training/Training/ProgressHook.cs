using System.Diagnostics;
using Rcnn.Training.Engine;

namespace Rcnn.MLNet.Training;

/// <summary>Reports every iteration's losses to the IProgress callback (and the final evaluation, when there is one).</summary>
internal sealed class ProgressHook(IProgress<DetectionTrainingProgress>? progress, Func<IReadOnlyDictionary<string, double>?> validation) : HookBase
{
    private readonly Stopwatch clock = new();

    public DetectionTrainingProgress? Last { get; private set; }

    public override void BeforeTrain() => clock.Restart();

    public override void AfterStep() => Report(null);

    public override void AfterTrain()
    {
        if (Trainer.Completed && validation() is { } metrics) Report(metrics);
    }

    /// <summary>Reports the latest iteration's numbers, with <paramref name="metrics"/> when an evaluation follows it.</summary>
    public void Report(IReadOnlyDictionary<string, double>? metrics)
    {
        var latest = Trainer.Storage.Latest;
        var losses = latest.Where(kv => kv.Key.StartsWith("loss_", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        Last = new DetectionTrainingProgress(Trainer.Iteration, Trainer.MaxIteration, latest.GetValueOrDefault("total_loss", double.NaN),
            losses, latest.GetValueOrDefault("lr", double.NaN), clock.Elapsed) { Validation = metrics };
        progress?.Report(Last);
    }
}
