namespace Rcnn.MLNet.AutoML;

public enum DetectionTrialStepKind
{
    /// <summary>Propose a new trial and train it to its first checkpoint (or its end when it has none).</summary>
    Start,

    /// <summary>Train a paused trial on from its checkpoint to the next one (or its end).</summary>
    Resume,

    /// <summary>End the experiment; paused trials stay as they are (stopped early).</summary>
    Stop,
}

/// <summary>
/// What the experiment does next (a successive-halving promotion, or a new trial). A resume with
/// <see cref="ToDeadline"/> trains the trial to its end with its schedule stretched or shrunk to fill the time left in
/// the experiment's budget (the LR step stays at 80% of the new length), measured by the trial's own iteration time,
/// and at most <see cref="MaxIterations"/> long when that is set (the trial then ends before the deadline).
/// </summary>
public sealed record DetectionTrialStep(DetectionTrialStepKind Kind, int TrialId = -1, bool ToDeadline = false, int? MaxIterations = null)
{
    public static DetectionTrialStep Start { get; } = new(DetectionTrialStepKind.Start);

    public static DetectionTrialStep Stop { get; } = new(DetectionTrialStepKind.Stop);

    public static DetectionTrialStep Resume(int trialId, bool toDeadline = false, int? maxIterations = null) =>
        new(DetectionTrialStepKind.Resume, trialId, toDeadline, toDeadline ? maxIterations : null);
}
