namespace Rcnn.MLNet.AutoML;

/// <summary>What <see cref="DetectionExperiment.RunAsync"/> returns: every finished trial in order, the best one (by
/// validation MAP50), whether the run was cancelled, the wall time, and the class names (contiguous-id order) the
/// trials' models predict.</summary>
public sealed record DetectionExperimentResult(
    IReadOnlyList<DetectionTrialResult> Trials,
    DetectionTrialResult? BestTrial,
    bool Cancelled,
    TimeSpan Duration,
    IReadOnlyList<string> ClassNames);
