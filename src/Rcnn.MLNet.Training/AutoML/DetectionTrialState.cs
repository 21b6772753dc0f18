namespace Rcnn.MLNet.AutoML;

/// <summary>
/// What the experiment keeps of a trial between its segments: its schedule (<see cref="MaxIter"/> and the checkpoint
/// iterations), the scores so far, the iteration reached, time and memory used, and its latest result.
/// </summary>
internal sealed class DetectionTrialState(DetectionTrialSettings settings, int maxIter, IReadOnlyList<int> targets)
{
    public DetectionTrialSettings Settings { get; } = settings;

    /// <summary>The schedule's length; a resume to the deadline refits it.</summary>
    public int MaxIter { get; set; } = maxIter;

    /// <summary>The iterations at which the trial is scored and pauses (below <see cref="MaxIter"/>).</summary>
    public IReadOnlyList<int> Targets { get; } = targets;

    public List<(int Iteration, double MAP50)> Scores { get; } = new();

    /// <summary>Training seconds (summed iteration times, all segments) at each scored checkpoint.</summary>
    public List<double> CheckpointSeconds { get; } = new();

    /// <summary>Training seconds so far: the summed iteration times of every segment.</summary>
    public double TrainSeconds { get; set; }

    public int Done { get; set; }

    public bool Finished { get; set; }

    public double TrainMilliseconds { get; set; }

    public double? PeakMegaBytes { get; set; }

    /// <summary>Seconds per training iteration measured in this trial's segments (start-up iterations left out).</summary>
    public List<double> IterationSeconds { get; } = new();

    /// <summary>Seconds the last validation scoring took.</summary>
    public double EvalSeconds { get; set; }

    public DetectionTrialResult? Result { get; set; }

    public DetectionTrialStatus Status => new(Settings.TrialId, Settings.Parameters, Scores.Select(s => s.MAP50).ToArray(), Finished);
}
