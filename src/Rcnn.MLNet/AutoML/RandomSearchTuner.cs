namespace Rcnn.MLNet.AutoML;

/// <summary>Samples the search space uniformly with a seeded generator; never stops a trial early.</summary>
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

    public DetectionParameters Propose(int trialId) => space.Sample(rng);

    public bool ShouldContinue(int trialId, int checkpoint, double map50) => true;

    public void Update(DetectionTrialResult result) { }
}
