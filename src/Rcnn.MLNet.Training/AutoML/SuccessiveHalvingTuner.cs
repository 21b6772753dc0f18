namespace Rcnn.MLNet.AutoML;

/// <summary>
/// Random proposals (trial 0 is the space's default point when it has one) scheduled by synchronous successive
/// halving with promotion (Hyperband's inner loop; trials run one at a time). Trials come in brackets of
/// <see cref="TrialsPerBracket"/> (fewer when the experiment's trial limit cuts the last one). Every trial of a bracket trains to its first checkpoint and pauses there; then the best
/// <c>max(1, n - floor(n * StopFraction))</c> of the n trials scored at checkpoint k are promoted, best first: each
/// resumes from its own checkpoint and trains to checkpoint k + 1 (or its end); the others stay stopped. Ties go to
/// the lower trial id. With <see cref="FillBudget"/> the experiment runs one bracket, and when a single trial is
/// promoted past the last checkpoint its schedule is fitted to the time left in the budget, so the best configuration
/// gets the rest of the budget instead of its nominal iterations (at most <see cref="MaxFillIterations"/>, when set); when
/// it finishes before the budget (validation ended it, or the cap), the next best trial of the last checkpoint trains on
/// in the time left; otherwise a new bracket starts when one ends. With
/// <see cref="EqualTimeCheckpoints"/> the trials are compared at equal training time instead of equal iterations. With
/// an <see cref="IncumbentMargin"/>, trial 0, when it is the space's default point, is ranked above any challenger that
/// does not beat its score by more than the margin: an early checkpoint's score is noisy, and a lead smaller than that
/// noise is no reason to leave the configuration chosen by the data for one never tried on it.
/// </summary>
public sealed class SuccessiveHalvingTuner : IDetectionTuner
{
    private readonly DetectionSearchSpace space;
    private readonly Random rng;

    public SuccessiveHalvingTuner(DetectionSearchSpace space, int seed, IReadOnlyList<double>? checkpointFractions = null,
        double stopFraction = 0.5, int trialsPerBracket = 4, bool fillBudget = false, bool equalTimeCheckpoints = false,
        int? maxFillIterations = null, double incumbentMargin = 0)
    {
        ArgumentNullException.ThrowIfNull(space);
        space.Validate();
        checkpointFractions ??= [1.0 / 3];
        if (checkpointFractions.Any(f => f is <= 0 or >= 1 || double.IsNaN(f)))
            throw new ArgumentOutOfRangeException(nameof(checkpointFractions), string.Join(", ", checkpointFractions), "checkpoint fractions must be in (0, 1).");
        if (stopFraction is < 0 or >= 1 || double.IsNaN(stopFraction)) throw new ArgumentOutOfRangeException(nameof(stopFraction), stopFraction, "must be in [0, 1).");
        if (trialsPerBracket < 1) throw new ArgumentOutOfRangeException(nameof(trialsPerBracket), trialsPerBracket, "must be >= 1.");
        if (maxFillIterations is < 1) throw new ArgumentOutOfRangeException(nameof(maxFillIterations), maxFillIterations, "must be >= 1.");
        if (incumbentMargin is < 0 or >= 1 || double.IsNaN(incumbentMargin)) throw new ArgumentOutOfRangeException(nameof(incumbentMargin), incumbentMargin, "must be in [0, 1).");
        this.space = space;
        rng = new Random(seed);
        CheckpointFractions = checkpointFractions.Distinct().Order().ToArray();
        StopFraction = stopFraction;
        TrialsPerBracket = trialsPerBracket;
        FillBudget = fillBudget;
        EqualTimeCheckpoints = equalTimeCheckpoints;
        MaxFillIterations = maxFillIterations;
        IncumbentMargin = space.Default is null ? 0 : incumbentMargin;
    }

    public IReadOnlyList<double> CheckpointFractions { get; }

    public double StopFraction { get; }

    public int TrialsPerBracket { get; }

    public bool FillBudget { get; }

    public bool EqualTimeCheckpoints { get; }

    /// <summary>With <see cref="FillBudget"/>: the most iterations the survivor's fitted schedule may have; null for no limit.</summary>
    public int? MaxFillIterations { get; }

    /// <summary>How much (in the checkpoint's score, MAP50) a challenger must beat trial 0, the space's default point, by
    /// to rank above it; 0 when the space has no default point.</summary>
    public double IncumbentMargin { get; }

    /// <summary>How many of <paramref name="n"/> trials scored at a checkpoint are promoted.</summary>
    public int Keep(int n) => n <= 0 ? 0 : Math.Max(1, n - (int)Math.Floor(n * StopFraction));

    /// <summary>
    /// The iterations one full bracket of <paramref name="trials"/> trains, in units of one trial's schedule, when
    /// every checkpoint is reached: n0 * f0 + keep(n0) * (f1 - f0) + ... + keep(n_last) * (1 - f_last). Callers size a
    /// schedule for a budget with it (budget iterations / this).
    /// </summary>
    public double ScheduleCost(int trials)
    {
        if (trials < 1) throw new ArgumentOutOfRangeException(nameof(trials), trials, "must be >= 1.");
        double cost = 0, previous = 0;
        int n = trials;
        foreach (var f in CheckpointFractions)
        {
            cost += n * (f - previous);
            previous = f;
            n = Keep(n);
        }
        return cost + n * (1 - previous);
    }

    public DetectionParameters Propose(int trialId) => space.Propose(trialId, rng);

    public DetectionTrialStep Next(IReadOnlyList<DetectionTrialStatus> trials, int maxTrials)
    {
        ArgumentNullException.ThrowIfNull(trials);
        if (trials.Count == 0) return DetectionTrialStep.Start;
        // The current bracket: the trials since the last bracket boundary (ids are consecutive apart from failures,
        // so brackets are counted by position).
        int first = (trials.Count - 1) / TrialsPerBracket * TrialsPerBracket;
        int size = Math.Min(TrialsPerBracket, Math.Max(1, maxTrials - first));
        var bracket = trials.Skip(first).ToList();
        if (bracket.Count < size) return DetectionTrialStep.Start;
        for (int k = 0; k < CheckpointFractions.Count; k++)
        {
            var scored = bracket.Where(t => t.CheckpointScores.Count > k).OrderByDescending(t => Score(t, k)).ThenBy(t => t.TrialId).ToList();
            var promoted = scored.Take(Keep(scored.Count)).ToList();
            var waiting = promoted.FirstOrDefault(t => t.Paused && t.CheckpointScores.Count == k + 1);
            if (waiting is null) continue;
            return DetectionTrialStep.Resume(waiting.TrialId, FillBudget && k == CheckpointFractions.Count - 1 && promoted.Count == 1, MaxFillIterations);
        }
        if (!FillBudget) return DetectionTrialStep.Start;
        // A survivor may finish before the budget (its validation stopped improving, or the cap): the next best trial of
        // the last checkpoint trains on in the time left, so the experiment compares finished trainings rather than
        // leaving the time unused.
        int last = CheckpointFractions.Count;
        if (last == 0 || !bracket.Any(t => t.Finished)) return DetectionTrialStep.Stop;
        var next = bracket.Where(t => t.Paused && t.CheckpointScores.Count == last)
            .OrderByDescending(t => Score(t, last - 1)).ThenBy(t => t.TrialId).FirstOrDefault();
        return next is null ? DetectionTrialStep.Stop : DetectionTrialStep.Resume(next.TrialId, toDeadline: true, MaxFillIterations);
    }

    /// <summary>The rank of trial <paramref name="t"/> at checkpoint <paramref name="k"/>: its score, less the margin for a challenger.</summary>
    private double Score(DetectionTrialStatus t, int k) =>
        (double.IsNaN(t.CheckpointScores[k]) ? 0 : t.CheckpointScores[k]) - (t.TrialId == 0 ? 0 : IncumbentMargin);

    public void Update(DetectionTrialResult result) { }
}
