namespace Rcnn.MLNet.Training;

/// <summary>One training iteration's numbers, for <see cref="DetectObjectsOptions.Progress"/>.</summary>
public sealed record DetectionTrainingProgress(
    int Iteration,
    int MaxIterations,
    double TotalLoss,
    IReadOnlyDictionary<string, double> Losses,
    double LearningRate,
    TimeSpan Elapsed)
{
    /// <summary>Validation metrics (detectron2's "bbox/AP50"...) when this report follows an evaluation; else null.</summary>
    public IReadOnlyDictionary<string, double>? Validation { get; init; }
}
