using System.Diagnostics;
using System.Globalization;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;
using Rcnn.Training.Evaluation;

namespace Rcnn.MLNet.AutoML;

/// <summary>
/// Trains trials with <see cref="DefaultTrainer"/> one segment at a time: a segment runs from the trial's checkpoint
/// (or from scratch) to its next checkpoint iteration, stopping through the trainer's cancellation token (which
/// checkpoints that iteration), or to the end of its schedule; the model is then scored on the validation data and
/// the trainer disposed, so a paused trial holds only its checkpoint file.
/// </summary>
internal sealed class DetectionTrialRunner(DatasetCatalog catalog, IReadOnlyList<string> train, string validation, RcnnConfig baseConfig,
    int numClasses, int? numThreads, Action<string> log)
{
    /// <summary>Iterations between the engine's progress lines, which is also the granularity of checkpoints.</summary>
    private const int Period = 5;

    /// <summary>Seconds kept aside, in a schedule fitted to the deadline, for building the model and resuming.</summary>
    private const double StartupSeconds = 10;

    public static DetectionTrialState Create(DetectionTrialSettings settings, IReadOnlyList<double> checkpointFractions)
    {
        int maxIter = settings.Parameters.Iterations;  // what ApplyTo writes to SOLVER.MAX_ITER
        var targets = checkpointFractions
            .Select(f => (int)Math.Round(f * maxIter / Period) * Period)
            .Where(t => t >= Period && t < maxIter).Distinct().Order().ToList();
        return new DetectionTrialState(settings, maxIter, targets);
    }

    /// <summary>The trial's config; a schedule refitted to <paramref name="maxIter"/> keeps the parameters' warm-up and
    /// moves the LR step and the final checkpoint with it.</summary>
    private RcnnConfig Config(DetectionTrialSettings settings, int maxIter)
    {
        var cfg = baseConfig.Clone();
        settings.Parameters.ApplyTo(cfg);
        if (maxIter != settings.Parameters.Iterations)
        {
            var inv = CultureInfo.InvariantCulture;
            cfg.MergeFromList(["SOLVER.MAX_ITER", maxIter.ToString(inv), "SOLVER.STEPS", $"({DetectionParameters.LrStep(maxIter).ToString(inv)},)",
                "SOLVER.CHECKPOINT_PERIOD", maxIter.ToString(inv)]);
        }
        cfg.Datasets.Train.Clear();
        cfg.Datasets.Train.AddRange(train);
        cfg.Datasets.Test.Clear();  // scored here, not by the trainer's evaluation hook
        cfg.Model.RoiHeads.NumClasses = numClasses;
        cfg.OutputDir = settings.OutputDirectory;
        cfg.Seed = settings.Seed;
        return cfg;
    }

    /// <summary>
    /// The schedule length that ends a trial at <paramref name="deadline"/>: the iterations done plus what the time
    /// left (less one validation scoring, start-up and 3%) fits at the trial's median iteration time; at least one
    /// more progress period.
    /// </summary>
    public static int FitToDeadline(int done, IReadOnlyList<double> iterationSeconds, double evalSeconds, TimeSpan left)
    {
        if (iterationSeconds.Count == 0) throw new ArgumentException("No iteration times measured.", nameof(iterationSeconds));
        double perIteration = iterationSeconds.Order().ElementAt(iterationSeconds.Count / 2);
        double seconds = (left.TotalSeconds - evalSeconds - StartupSeconds) * 0.97;
        int more = perIteration > 0 ? (int)Math.Floor(seconds / perIteration) : 0;
        return done + Math.Max(Period, more);
    }

    /// <summary>
    /// Whether a segment that pauses at a checkpoint has reached it after <paramref name="iteration"/> (0-based, just
    /// trained): at <paramref name="pauseAfterSeconds"/> of training when given (equal-time checkpoints), else at the
    /// <paramref name="target"/> iteration count.
    /// </summary>
    public static bool ReachedCheckpoint(int iteration, int target, double trainedSeconds, double? pauseAfterSeconds) =>
        pauseAfterSeconds is double seconds ? trainedSeconds >= seconds : iteration + 1 >= target;

    /// <summary>
    /// The schedule a segment that trains to the deadline switches to halfway, when the iteration time measured since
    /// it was fitted (<paramref name="recentSeconds"/>) says the fit is off by more than 5% (the machine got faster or
    /// slower): null when it is not, or when the new schedule's LR step would not lie ahead of <paramref name="done"/>.
    /// </summary>
    public static int? Refit(int done, int maxIter, IReadOnlyList<double> recentSeconds, double evalSeconds, TimeSpan left)
    {
        int fit = FitToDeadline(done, recentSeconds, evalSeconds, left);
        if (Math.Abs(fit - maxIter) <= 0.05 * maxIter) return null;
        return DetectionParameters.LrStep(fit) > done + Period ? fit : null;
    }

    /// <summary>Trains <paramref name="s"/> one segment and returns its result so far (also kept in the state); a
    /// segment that ends at a checkpoint pauses after <paramref name="pauseAfterSeconds"/> of the trial's training
    /// time when given, else at the checkpoint's iteration. A segment to the deadline is fitted to the time left and
    /// refitted (<see cref="Refit"/>) once halfway.</summary>
    public DetectionTrialResult RunSegment(DetectionTrialState s, bool toDeadline, DateTime deadline, CancellationToken ct,
        double? pauseAfterSeconds = null)
    {
        var clock = Stopwatch.StartNew();
        if (toDeadline && s.IterationSeconds.Count > 0)
        {
            int fitted = FitToDeadline(s.Done, s.IterationSeconds, s.EvalSeconds, deadline - DateTime.UtcNow);
            log(string.Create(CultureInfo.InvariantCulture,
                $"Trial {s.Settings.TrialId}: schedule fitted to the time left: {fitted} iterations (was {s.MaxIter})."));
            s.MaxIter = fitted;
        }
        using var deadlineStop = new CancellationTokenSource();
        var left = deadline - DateTime.UtcNow;
        if (left <= TimeSpan.Zero) deadlineStop.Cancel();
        else deadlineStop.CancelAfter(left);

        var records = catalog.Get(validation);
        bool timeStopped = false, refitChecked = !toDeadline;
        CocoEvalResult eval;
        while (true)
        {
            var cfg = Config(s.Settings, s.MaxIter);
            int maxIter = s.MaxIter, segmentStart = s.Done;
            int target = !toDeadline && s.Scores.Count < s.Targets.Count ? s.Targets[s.Scores.Count] : maxIter;
            int? refit = null;
            CancellationTokenSource? segmentStop = null;
            DefaultTrainer? trainer = null;
            void OnLog(string line)
            {
                log(line);
                // Only while the segment trains: lines logged before (e.g. by the resume) must not stop it.
                var t = trainer?.Trainer;
                var stop = segmentStop;
                if (t is null || stop is null) return;
                if (!refitChecked && t.Iteration + 1 >= segmentStart + (maxIter - segmentStart) / 2)
                {
                    refitChecked = true;
                    var recent = t.Storage.History("time").Skip(2).Select(v => v.Value).ToList();
                    refit = recent.Count >= 10 ? Refit(t.Iteration + 1, maxIter, recent, s.EvalSeconds, deadline - DateTime.UtcNow) : null;
                    if (refit is not null) stop.Cancel();
                    return;
                }
                if (target >= maxIter) return;
                double trained = pauseAfterSeconds is null ? 0 : s.TrainSeconds + t.Storage.History("time").Sum(v => v.Value);
                if (ReachedCheckpoint(t.Iteration, target, trained, pauseAfterSeconds)) stop.Cancel();
            }

            using (trainer = new DefaultTrainer(cfg, catalog, new DefaultTrainerOptions
            {
                NumThreads = numThreads,
                Log = OnLog,
                LogPeriod = Period,
                LossCurvePeriod = int.MaxValue,
            }))
            {
                trainer.ResumeOrLoad(s.Done > 0);
                using var segment = new CancellationTokenSource();
                using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, deadlineStop.Token, segment.Token))
                {
                    segmentStop = segment;
                    s.Finished = trainer.Train(stop.Token);
                    segmentStop = null;
                }
                var loop = trainer.Trainer;
                if (loop is not null)
                {
                    s.Done = loop.Iteration;
                    var times = loop.Storage.History("time");
                    s.TrainSeconds += times.Sum(v => v.Value);
                    // The first two iterations of a segment carry start-up costs (allocation, the loader's first batches).
                    s.IterationSeconds.AddRange(times.Skip(2).Select(v => v.Value));
                    double peak = loop.Storage.History("rss_mb").Select(v => v.Value).DefaultIfEmpty(0).Max();
                    if (peak > 0) s.PeakMegaBytes = Math.Round(Math.Max(s.PeakMegaBytes ?? 0, peak));
                }
                ct.ThrowIfCancellationRequested();
                if (!s.Finished && deadlineStop.IsCancellationRequested)
                {
                    timeStopped = true;
                    s.Finished = true;  // not resumable: the budget is spent
                }
                else if (!s.Finished && refit is int fit)
                {
                    log(string.Create(CultureInfo.InvariantCulture,
                        $"Trial {s.Settings.TrialId}: schedule refitted to the time left at iteration {s.Done}: {fit} iterations (was {maxIter})."));
                    s.MaxIter = fit;
                    continue;  // resumes from the checkpoint the stop wrote, with the new schedule
                }
                var evalClock = Stopwatch.StartNew();
                eval = DatasetEvaluation.Evaluate(trainer.Model, records.Records, records.Metadata, cfg);
                s.EvalSeconds = evalClock.Elapsed.TotalSeconds;
                if (!s.Finished)
                {
                    s.Scores.Add((s.Done, eval.AP50));
                    s.CheckpointSeconds.Add(s.TrainSeconds);
                }
            }
            break;
        }
        s.TrainMilliseconds += clock.Elapsed.TotalMilliseconds;
        string checkpoint = KeepOnlyCheckpoint(s.Settings.OutputDirectory, null);
        string? reason = timeStopped ? $"time budget reached at iteration {s.Done} of {s.MaxIter}"
            : s.Finished ? null
            : string.Create(CultureInfo.InvariantCulture, $"paused at iteration {s.Done} of {s.MaxIter} (checkpoint {s.Scores.Count - 1}, validation MAP50 {eval.AP50:F3})");
        s.Result = new DetectionTrialResult(s.Settings with { }, Clean(eval.AP), Clean(eval.AP50), s.TrainMilliseconds, s.PeakMegaBytes,
            s.Done, reason is not null, reason, s.Scores.ToArray(), checkpoint, Path.Combine(s.Settings.OutputDirectory, DefaultTrainer.ConfigFile));
        return s.Result;
    }

    private static double Clean(double v) => v < 0 || double.IsNaN(v) ? 0 : v;

    /// <summary>Deletes every checkpoint but <paramref name="keep"/> (default: the one last_checkpoint names, the model
    /// as the segment ended) and points last_checkpoint at it, so a resume starts there.</summary>
    public static string KeepOnlyCheckpoint(string dir, string? keep)
    {
        var checkpointer = new Checkpointer(dir);
        keep ??= checkpointer.LastCheckpoint ?? throw new InvalidOperationException($"{dir} holds no {Checkpointer.LastCheckpointFile}.");
        checkpointer.KeepOnly(keep);
        return keep;
    }
}
