namespace Rcnn.MLNet.AutoML;

/// <summary>What <see cref="DetectionExperiment.RunAsync"/> returns: every finished trial in order, the best one (by
/// validation MAP50), whether the run was cancelled, and the wall time.</summary>
public sealed record DetectionExperimentResult(
    IReadOnlyList<DetectionTrialResult> Trials,
    DetectionTrialResult? BestTrial,
    bool Cancelled,
    TimeSpan Duration);
