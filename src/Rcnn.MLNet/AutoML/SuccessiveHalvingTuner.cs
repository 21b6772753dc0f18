namespace Rcnn.MLNet.AutoML;

/// <summary>
/// Random proposals with asynchronous successive halving: each trial is scored on the validation data at every
/// checkpoint fraction of its iterations; once <see cref="MinTrialsPerCheckpoint"/> trials have a score there, a trial
/// whose score falls in the bottom <see cref="StopFraction"/> of all scores recorded at that checkpoint (its own
/// included) is stopped. Ties with the lowest kept score are kept.
/// </summary>
public sealed class SuccessiveHalvingTuner : IDetectionTuner
{
    private readonly DetectionSearchSpace space;
    private readonly Random rng;
    private readonly List<double>[] scores;

    public SuccessiveHalvingTuner(DetectionSearchSpace space, int seed, IReadOnlyList<double>? checkpointFractions = null,
        double stopFraction = 0.5, int minTrialsPerCheckpoint = 2)
    {
        ArgumentNullException.ThrowIfNull(space);
        space.Validate();
        checkpointFractions ??= [1.0 / 3];
        if (checkpointFractions.Any(f => f is <= 0 or >= 1))
            throw new ArgumentOutOfRangeException(nameof(checkpointFractions), string.Join(", ", checkpointFractions), "checkpoint fractions must be in (0, 1).");
        if (stopFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(stopFraction), stopFraction, "must be in [0, 1).");
        if (minTrialsPerCheckpoint < 1) throw new ArgumentOutOfRangeException(nameof(minTrialsPerCheckpoint), minTrialsPerCheckpoint, "must be >= 1.");
        this.space = space;
        rng = new Random(seed);
        CheckpointFractions = checkpointFractions.Order().ToArray();
        StopFraction = stopFraction;
        MinTrialsPerCheckpoint = minTrialsPerCheckpoint;
        scores = CheckpointFractions.Select(_ => new List<double>()).ToArray();
    }

    public IReadOnlyList<double> CheckpointFractions { get; }

    public double StopFraction { get; }

    public int MinTrialsPerCheckpoint { get; }

    public DetectionParameters Propose(int trialId) => space.Sample(rng);

    public bool ShouldContinue(int trialId, int checkpoint, double map50)
    {
        if (checkpoint < 0 || checkpoint >= scores.Length)
            throw new ArgumentOutOfRangeException(nameof(checkpoint), checkpoint, $"there are {scores.Length} checkpoints.");
        var list = scores[checkpoint];
        list.Add(double.IsNaN(map50) ? 0 : map50);
        int n = list.Count;
        if (n < MinTrialsPerCheckpoint) return true;
        int keep = Math.Max(1, n - (int)Math.Floor(n * StopFraction));
        double lowestKept = list.OrderDescending().ElementAt(keep - 1);
        return (double.IsNaN(map50) ? 0 : map50) >= lowestKept;
    }

    public void Update(DetectionTrialResult result) { }
}
