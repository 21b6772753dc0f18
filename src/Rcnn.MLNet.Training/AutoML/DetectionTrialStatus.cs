namespace Rcnn.MLNet.AutoML;

/// <summary>
/// A trial as the tuner sees it between steps: its parameters, the validation MAP50 it scored at each checkpoint it
/// reached (index = checkpoint), and whether it trained to the end of its schedule. A trial that is neither finished
/// nor stopped by the budget is paused at its last checkpoint and can be resumed.
/// </summary>
public sealed record DetectionTrialStatus(int TrialId, DetectionParameters Parameters, IReadOnlyList<double> CheckpointScores, bool Finished)
{
    /// <summary>Whether the trial waits at a checkpoint (it has scored there and has not finished).</summary>
    public bool Paused => !Finished && CheckpointScores.Count > 0;
}
