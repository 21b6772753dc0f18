namespace Rcnn.MLNet.AutoML;

/// <summary>
/// A finished (or early-stopped) trial, AutoML's TrialResult for detection: validation MAP50_95 and MAP50 (0..1, of
/// the model as it ended), duration, peak process memory, the validation MAP50 at each checkpoint, and the trial's
/// checkpoint and resolved config files.
/// </summary>
public sealed record DetectionTrialResult(
    DetectionTrialSettings Settings,
    double MAP50_95,
    double MAP50,
    double DurationInMilliseconds,
    double? PeakMemoryInMegaByte,
    int IterationsDone,
    bool StoppedEarly,
    string? StopReason,
    IReadOnlyList<(int Iteration, double MAP50)> CheckpointScores,
    string CheckpointPath,
    string ConfigPath)
{
    public int TrialId => Settings.TrialId;
    public DetectionParameters Parameters => Settings.Parameters;
}
