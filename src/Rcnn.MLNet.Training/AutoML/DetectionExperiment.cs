using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML;
using Rcnn.MLNet.Data;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.MLNet.AutoConfig;

namespace Rcnn.MLNet.AutoML;

/// <summary>
/// An AutoML-shaped search for a good detector within a time budget: set the data, the search space, the budget, the
/// tuner and a monitor, then <see cref="RunAsync"/>. Each trial trains the base config with the proposed parameters
/// into its own folder under the output directory and is scored (MAP50_95, MAP50) on the validation data. Trials run
/// one at a time, in segments: the tuner pauses them at checkpoints and decides which to promote (resume from their
/// own checkpoint), which stay stopped, and when a new one starts (successive halving). Cancellation stops the running
/// segment after its current iteration: a new trial's folder is deleted, a resumed trial goes back to the checkpoint
/// and score it had; the trials so far are returned. The experiment.json leaderboard is rewritten (atomically) after
/// every segment, so the output folder only ever holds scored trials.
/// </summary>
public sealed class DetectionExperiment
{
    public const string SummaryFile = "experiment.json";

    /// <summary>The folder under the output directory that holds, during a run, the PNGs of IDataView MLImages.</summary>
    public const string DataFolder = ".data";

    private DatasetCatalog? catalog;
    private DetectionDataViews? dataViews;
    private IReadOnlyList<string> train = [];
    private string? validation;
    private RcnnConfig? baseConfig;
    private DetectionSearchSpace space = new();
    private uint seconds = 600;
    private int maxTrials = int.MaxValue;
    private IDetectionTuner? tuner;
    private IDetectionMonitor? monitor;
    private int seed;
    private string outputDirectory = Path.Combine(".", "rcnn-experiment");
    private int? numThreads;
    private Action<string> log = _ => { };

    /// <summary>Trains on <paramref name="trainDatasets"/> and scores on <paramref name="validationDataset"/>, names in
    /// <paramref name="datasetCatalog"/> that share their class list.</summary>
    public DetectionExperiment SetDataset(DatasetCatalog datasetCatalog, string trainDatasets, string validationDataset) =>
        SetDataset(datasetCatalog, [trainDatasets], validationDataset);

    public DetectionExperiment SetDataset(DatasetCatalog datasetCatalog, IReadOnlyList<string> trainDatasets, string validationDataset)
    {
        ArgumentNullException.ThrowIfNull(datasetCatalog);
        if (trainDatasets is null || trainDatasets.Count == 0) throw new ArgumentException("At least one training dataset name is needed.", nameof(trainDatasets));
        ArgumentException.ThrowIfNullOrWhiteSpace(validationDataset);
        foreach (var n in trainDatasets.Append(validationDataset))
            if (!datasetCatalog.Names.Contains(n))
                throw new ArgumentException($"Dataset '{n}' is not registered in the catalog; registered: [{string.Join(", ", datasetCatalog.Names)}].", nameof(trainDatasets));
        catalog = datasetCatalog;
        dataViews = null;
        train = trainDatasets.ToArray();
        validation = validationDataset;
        return this;
    }

    /// <summary>
    /// Trains on <paramref name="train"/> and scores on <paramref name="validation"/>, in DetectObjects' column contract:
    /// the image column holds an MLImage (e.g. from LoadImages) or text (an image file path); the label column a vector
    /// of keys (MapValueToKey; classes in key order) or of text (classes sorted), one per object; the box column a
    /// float vector of x0, y0, x1, y1 per object in image pixels. Validation labels must be training classes. The
    /// columns are checked here; the rows are read when the run starts, MLImages written as PNGs under
    /// <c>&lt;output&gt;/.data</c>, which is deleted when the run ends (also when cancelled or failed).
    /// </summary>
    public DetectionExperiment SetDataset(IDataView train, IDataView validation, string imageColumnName = "Image",
        string labelColumnName = "Label", string boxColumnName = "Box")
    {
        dataViews = new DetectionDataViews(train, validation, imageColumnName, labelColumnName, boxColumnName);
        catalog = null;
        this.train = [DetectionDataViews.TrainName];
        this.validation = DetectionDataViews.ValidationName;
        return this;
    }

    /// <summary>The config each trial starts from (the search space's parameters are written over it).</summary>
    public DetectionExperiment SetBaseConfig(RcnnConfig config)
    {
        baseConfig = config?.Clone() ?? throw new ArgumentNullException(nameof(config));
        return this;
    }

    public DetectionExperiment SetSearchSpace(DetectionSearchSpace searchSpace)
    {
        ArgumentNullException.ThrowIfNull(searchSpace);
        searchSpace.Validate();
        space = searchSpace;
        return this;
    }

    /// <summary>Wall-clock budget: no trial starts after it, and a running trial is stopped (and scored as it is) at it.</summary>
    public DetectionExperiment SetTrainingTimeInSeconds(uint trainingTimeInSeconds)
    {
        if (trainingTimeInSeconds == 0) throw new ArgumentOutOfRangeException(nameof(trainingTimeInSeconds), 0, "must be > 0.");
        seconds = trainingTimeInSeconds;
        return this;
    }

    public DetectionExperiment SetMaxTrials(int maxNumberOfTrials)
    {
        if (maxNumberOfTrials < 1) throw new ArgumentOutOfRangeException(nameof(maxNumberOfTrials), maxNumberOfTrials, "must be >= 1.");
        maxTrials = maxNumberOfTrials;
        return this;
    }

    public DetectionExperiment SetTuner(IDetectionTuner detectionTuner)
    {
        tuner = detectionTuner ?? throw new ArgumentNullException(nameof(detectionTuner));
        return this;
    }

    /// <summary>Random search over the search space (seeded with <see cref="SetSeed"/>'s seed when called after it).</summary>
    public DetectionExperiment SetRandomSearchTuner() => SetTuner(new RandomSearchTuner(space, seed));

    /// <summary>Successive halving with promotion (the default; see <see cref="SuccessiveHalvingTuner"/>): brackets of
    /// <paramref name="trialsPerBracket"/> trials train to the first checkpoint fraction, and the best
    /// <c>1 - stopFraction</c> at each checkpoint resume from their own checkpoints; with <paramref name="fillBudget"/>
    /// one bracket runs and its single survivor trains on until the budget ends; with <paramref name="equalTime"/> the
    /// trials are compared after equal training time rather than equal iterations; <paramref name="maxFillIterations"/>
    /// caps the survivor's fitted schedule (it then ends before the budget); a challenger ranks above trial 0, the
    /// space's default point, only when its score beats trial 0's by more than <paramref name="incumbentMargin"/>.</summary>
    public DetectionExperiment SetSuccessiveHalvingTuner(IReadOnlyList<double>? checkpointFractions = null, double stopFraction = 0.5,
        int trialsPerBracket = 4, bool fillBudget = false, bool equalTime = false, int? maxFillIterations = null, double incumbentMargin = 0) =>
        SetTuner(new SuccessiveHalvingTuner(space, seed, checkpointFractions, stopFraction, trialsPerBracket, fillBudget, equalTime, maxFillIterations, incumbentMargin));

    public DetectionExperiment SetMonitor(IDetectionMonitor detectionMonitor)
    {
        monitor = detectionMonitor ?? throw new ArgumentNullException(nameof(detectionMonitor));
        return this;
    }

    /// <summary>Seeds the default tuners and each trial's training (trial k uses seed + k).</summary>
    public DetectionExperiment SetSeed(int experimentSeed)
    {
        seed = experimentSeed;
        return this;
    }

    public DetectionExperiment SetOutputDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        outputDirectory = directory;
        return this;
    }

    public DetectionExperiment SetNumThreads(int? threads)
    {
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "must be >= 1.");
        numThreads = threads;
        return this;
    }

    /// <summary>Where the training engine's progress lines go (nowhere by default).</summary>
    public DetectionExperiment SetLog(Action<string> logLine)
    {
        log = logLine ?? throw new ArgumentNullException(nameof(logLine));
        return this;
    }

    /// <summary>Runs trials until the budget, the trial count or <paramref name="cancellationToken"/> ends the search.</summary>
    public Task<DetectionExperimentResult> RunAsync(CancellationToken cancellationToken = default)
    {
        if ((catalog is null && dataViews is null) || validation is null) throw new InvalidOperationException("Call SetDataset before RunAsync.");
        if (baseConfig is null) throw new InvalidOperationException("Call SetBaseConfig before RunAsync.");
        var activeTuner = tuner ?? new SuccessiveHalvingTuner(space, seed);
        return Task.Run(() => Run(activeTuner, cancellationToken), CancellationToken.None);
    }

    private DetectionExperimentResult Run(IDetectionTuner activeTuner, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        string root = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(root);
        if (dataViews is null) return Run(catalog!, activeTuner, ct, clock, deadline, root);
        string data = Path.Combine(root, DataFolder);
        DeleteQuietly(data);  // left by a killed run
        try
        {
            return Run(dataViews.Register(data, DatasetLog.FromAction(log)), activeTuner, ct, clock, deadline, root);
        }
        finally
        {
            DeleteQuietly(data);
        }
    }

    private DetectionExperimentResult Run(DatasetCatalog catalog, IDetectionTuner activeTuner, CancellationToken ct, Stopwatch clock, DateTime deadline, string root)
    {
        var classNames = catalog.GetMetadata(validation!).ThingClasses;
        var runner = new DetectionTrialRunner(catalog, train, validation!, baseConfig!, classNames.Count, numThreads, log);
        var trials = new List<DetectionTrialState>();
        // Equal-time checkpoints: the training seconds the first trial to reach checkpoint k took to get there.
        var checkpointSeconds = new List<double>();
        DetectionTrialResult? best = null;
        bool cancelled = false, byTuner = false;
        int nextId = 0;
        while (true)
        {
            if (ct.IsCancellationRequested) { cancelled = true; break; }
            if (DateTime.UtcNow >= deadline) break;
            var step = activeTuner.Next(trials.Select(t => t.Status).ToList(), maxTrials);
            if (step.Kind == DetectionTrialStepKind.Stop || (step.Kind == DetectionTrialStepKind.Start && nextId >= maxTrials)) { byTuner = true; break; }
            DetectionTrialState state;
            if (step.Kind == DetectionTrialStepKind.Start)
            {
                int id = nextId++;
                var settings = new DetectionTrialSettings(id, activeTuner.Propose(id), Path.Combine(root, $"trial_{id:D3}"), seed + id, DateTime.UtcNow);
                monitor?.ReportRunningTrial(settings);
                state = DetectionTrialRunner.Create(settings, activeTuner.CheckpointFractions);
            }
            else
            {
                state = trials.SingleOrDefault(t => t.Settings.TrialId == step.TrialId && t.Status.Paused)
                    ?? throw new InvalidOperationException($"The tuner asked to resume trial {step.TrialId}, which is not paused at a checkpoint.");
                // A fit to the deadline with no time for more than one progress period (e.g. a runner-up after a capped
                // survivor that ended just before the budget) would only cost a scoring.
                if (step.ToDeadline && state.IterationSeconds.Count > 0
                    && DetectionTrialRunner.FitToDeadline(state, deadline) <= state.Done + BudgetSchedule.MinMore)
                {
                    byTuner = true;
                    break;
                }
                monitor?.ReportRunningTrial(state.Settings);
            }
            var previous = state.Result;
            DetectionTrialResult result;
            try
            {
                int k = state.Scores.Count;
                double? pauseAfter = activeTuner.EqualTimeCheckpoints && k < checkpointSeconds.Count ? checkpointSeconds[k] : null;
                result = runner.RunSegment(state, step.ToDeadline, deadline, ct, pauseAfter, step.MaxIterations);
                if (state.CheckpointSeconds.Count > checkpointSeconds.Count) checkpointSeconds.Add(state.CheckpointSeconds[checkpointSeconds.Count]);
            }
            catch (Exception e)
            {
                // A resumed trial keeps what it had (its checkpoint and score); a new one leaves nothing behind.
                if (previous is not null) DetectionTrialRunner.KeepOnlyCheckpoint(state.Settings.OutputDirectory, previous.CheckpointPath);
                else DeleteQuietly(state.Settings.OutputDirectory);
                monitor?.ReportFailTrial(state.Settings, e);
                if (e is OperationCanceledException && ct.IsCancellationRequested) { cancelled = true; break; }
                if (previous is not null)
                {
                    state.Finished = true;  // not resumed again
                    state.Result = previous with { StopReason = $"failed while resuming from checkpoint {state.Scores.Count - 1}: {e.Message}" };
                }
                continue;
            }
            if (previous is null) trials.Add(state);
            activeTuner.Update(result);
            monitor?.ReportCompletedTrial(result);
            var newBest = trials.Select(t => t.Result!).Aggregate((a, b) => Better(b, a) ? b : a);
            if (!ReferenceEquals(newBest, best)) monitor?.ReportBestTrial(newBest);
            best = newBest;
            WriteSummary(root, trials.Select(t => t.Result!).ToList(), best);
        }
        // Trials left at a checkpoint stopped early there: not promoted when another trial went past it, else the
        // experiment ended first.
        foreach (var t in trials.Where(t => !t.Finished && t.Result is not null))
        {
            var (iteration, map50) = t.Scores[^1];
            bool passed = trials.Any(o => o != t && (o.Scores.Count > t.Scores.Count || (o.Finished && o.Scores.Count == t.Scores.Count && o.Done > iteration)));
            string why = passed || byTuner ? "not promoted past" : cancelled ? "the experiment was cancelled at" : "the budget ended at";
            t.Result = t.Result! with
            {
                StopReason = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{why} checkpoint {t.Scores.Count - 1} (iteration {iteration} of {t.MaxIter}, validation MAP50 {map50:F3})"),
            };
        }
        var results = trials.Select(t => t.Result!).ToList();
        best = results.Count == 0 ? null : results.Aggregate((a, b) => Better(b, a) ? b : a);
        WriteSummary(root, results, best);
        return new DetectionExperimentResult(results, best, cancelled, clock.Elapsed, classNames);
    }

    private static bool Better(DetectionTrialResult a, DetectionTrialResult b) =>
        a.MAP50 > b.MAP50 || (a.MAP50 == b.MAP50 && a.MAP50_95 > b.MAP50_95);

    private static void DeleteQuietly(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A file still open (e.g. by an antivirus) is left; the next run reuses the folder.
        }
    }

    private static void WriteSummary(string root, IReadOnlyList<DetectionTrialResult> results, DetectionTrialResult? best)
    {
        var doc = new
        {
            best_trial = best?.TrialId,
            trials = results.Select(r => new
            {
                trial = r.TrialId,
                parameters = r.Parameters,
                map50_95 = r.MAP50_95,
                map50 = r.MAP50,
                duration_s = Math.Round(r.DurationInMilliseconds / 1000, 1),
                peak_memory_mb = r.PeakMemoryInMegaByte,
                iterations_done = r.IterationsDone,
                stopped_early = r.StoppedEarly,
                stop_reason = r.StopReason,
                checkpoint_scores = r.CheckpointScores.Select(c => new { iteration = c.Iteration, map50 = c.MAP50 }),
                checkpoint = Path.GetRelativePath(root, r.CheckpointPath),
                config = Path.GetRelativePath(root, r.ConfigPath),
            }),
        };
        string path = Path.Combine(root, SummaryFile);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, path, overwrite: true);
    }
}
