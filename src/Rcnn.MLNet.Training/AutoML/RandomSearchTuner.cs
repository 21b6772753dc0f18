namespace Rcnn.MLNet.AutoML;

/// <summary>Samples the search space uniformly with a seeded generator (trial 0 is the space's default point when it has
/// one); every trial trains straight to its end.</summary>
public sealed class RandomSearchTuner : IDetectionTuner
{
    private readonly DetectionSearchSpace space;
    private readonly Random rng;

    public RandomSearchTuner(DetectionSearchSpace space, int seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        space.Validate();
        this.space = space;
        rng = new Random(seed);
    }

    public IReadOnlyList<double> CheckpointFractions => [];

    public DetectionParameters Propose(int trialId) => space.Propose(trialId, rng);

    public DetectionTrialStep Next(IReadOnlyList<DetectionTrialStatus> trials, int maxTrials)
    {
        ArgumentNullException.ThrowIfNull(trials);
        return trials.Count < maxTrials ? DetectionTrialStep.Start : DetectionTrialStep.Stop;
    }

    public void Update(DetectionTrialResult result) { }
}
