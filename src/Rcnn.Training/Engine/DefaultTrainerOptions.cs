namespace Rcnn.Training.Engine;

/// <summary>What <see cref="DefaultTrainer"/> takes besides the config: host settings that are not part of a
/// reproducible experiment (threads, logging) and the hook periods.</summary>
public sealed class DefaultTrainerOptions
{
    /// <summary>torch.set_num_threads; null uses every core.</summary>
    public int? NumThreads { get; init; }

    /// <summary>Where progress lines go (the console by default).</summary>
    public Action<string> Log { get; init; } = Console.WriteLine;

    /// <summary>Iterations between metrics.json lines and console progress lines (detectron2 writes every 20).</summary>
    public int LogPeriod { get; init; } = 20;

    /// <summary>Iterations between redraws of loss_curve.png (it is always drawn at the end).</summary>
    public int LossCurvePeriod { get; init; } = 100;
}
