namespace Rcnn.MLNet.AutoML;

/// <summary>
/// Proposes trial parameters and may stop trials early (AutoML's ITuner plus an early-stopping decision): a trial is
/// evaluated on the validation data after each fraction of its iterations in <see cref="CheckpointFractions"/>, and
/// stops there when <see cref="ShouldContinue"/> says no.
/// </summary>
public interface IDetectionTuner
{
    /// <summary>Fractions (0..1, exclusive) of a trial's iterations after which it is evaluated; empty for none.</summary>
    IReadOnlyList<double> CheckpointFractions { get; }

    /// <summary>The parameters of trial <paramref name="trialId"/> (0, 1, ...).</summary>
    DetectionParameters Propose(int trialId);

    /// <summary>Whether trial <paramref name="trialId"/>, scoring <paramref name="map50"/> at checkpoint
    /// <paramref name="checkpoint"/> (an index into <see cref="CheckpointFractions"/>), trains on.</summary>
    bool ShouldContinue(int trialId, int checkpoint, double map50);

    void Update(DetectionTrialResult result);
}
