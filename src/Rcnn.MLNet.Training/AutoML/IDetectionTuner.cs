namespace Rcnn.MLNet.AutoML;

/// <summary>
/// Proposes trial parameters and schedules the trials (AutoML's ITuner plus a successive-halving scheduler): a trial
/// is scored on the validation data after each fraction of its iterations in <see cref="CheckpointFractions"/> and
/// pauses there; <see cref="Next"/> then decides whether a paused trial is promoted (resumed from its checkpoint), a
/// new trial starts, or the experiment ends. Trials run one at a time.
/// </summary>
public interface IDetectionTuner
{
    /// <summary>Fractions (0..1, exclusive, ascending) of a trial's iterations at which it is scored and pauses; empty
    /// for trials that run straight to their end.</summary>
    IReadOnlyList<double> CheckpointFractions { get; }

    /// <summary>
    /// When true, checkpoint k is a time, not an iteration: the first trial to reach it (by its fraction of iterations)
    /// sets how many training seconds it takes, and every later trial pauses there after as many seconds, so a faster
    /// configuration (smaller images, a narrower FPN) is compared at equal cost with more iterations done.
    /// </summary>
    bool EqualTimeCheckpoints => false;

    /// <summary>The parameters of trial <paramref name="trialId"/> (0, 1, ...).</summary>
    DetectionParameters Propose(int trialId);

    /// <summary>The next step, given every trial so far (in id order; failed trials left out) and the experiment's
    /// trial limit. A <see cref="DetectionTrialStepKind.Start"/> past the limit ends the experiment.</summary>
    DetectionTrialStep Next(IReadOnlyList<DetectionTrialStatus> trials, int maxTrials);

    /// <summary>Called after every trained segment (a checkpoint reached or the trial's end) with the trial's result so far.</summary>
    void Update(DetectionTrialResult result);
}
