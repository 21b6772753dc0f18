using System.Diagnostics;
using System.Globalization;
using Rcnn.MLNet.AutoConfig;
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

    public static DetectionTrialState Create(DetectionTrialSettings settings, IReadOnlyList<double> checkpointFractions)
    {
        int maxIter = settings.Parameters.Iterations;  // what ApplyTo writes to SOLVER.MAX_ITER
        var targets = checkpointFractions
            .Select(f => (int)Math.Round(f * maxIter / Period) * Period)
            .Where(t => t >= Period && t < maxIter).Distinct().Order().ToList();
        return new DetectionTrialState(settings, maxIter, targets);
    }

    /// <summary>The trial's config; a schedule refitted to <paramref name="maxIter"/> keeps the parameters' warm-up and
    /// moves the LR step and the final checkpoint with it. A trial scored at checkpoints warms up by half its first one
    /// (<see cref="WarmupIters"/>).</summary>
    private RcnnConfig Config(DetectionTrialState s, int maxIter)
    {
        var settings = s.Settings;
        var cfg = baseConfig.Clone();
        settings.Parameters.ApplyTo(cfg);
        cfg.MergeFromList(["SOLVER.WARMUP_ITERS", WarmupIters(cfg.Solver.WarmupIters, s.Targets).ToString(CultureInfo.InvariantCulture)]);
        if (maxIter != settings.Parameters.Iterations)
        {
            var inv = CultureInfo.InvariantCulture;
            cfg.MergeFromList([.. BudgetSchedule.SolverOverrides(maxIter), "SOLVER.CHECKPOINT_PERIOD", maxIter.ToString(inv)]);
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
    /// The warm-up of a trial whose first checkpoint is at iteration <paramref name="checkpoints"/>[0]: at most half of it,
    /// so the trial is scored after training at its full LR; a trial scored during its warm-up looks worse than it is
    /// (docs/experiments.md).
    /// </summary>
    public static int WarmupIters(int scheduleWarmup, IReadOnlyList<int> checkpoints) =>
        checkpoints.Count == 0 ? scheduleWarmup : Math.Max(1, Math.Min(scheduleWarmup, checkpoints[0] / 2));

    /// <summary>
    /// Whether a segment that pauses at a checkpoint has reached it after <paramref name="iteration"/> (0-based, just
    /// trained): at <paramref name="pauseAfterSeconds"/> of training when given (equal-time checkpoints), else at the
    /// <paramref name="target"/> iteration count.
    /// </summary>
    public static bool ReachedCheckpoint(int iteration, int target, double trainedSeconds, double? pauseAfterSeconds) =>
        pauseAfterSeconds is double seconds ? trainedSeconds >= seconds : iteration + 1 >= target;

    /// <summary>Trains <paramref name="s"/> one segment and returns its result so far (also kept in the state); a
    /// segment that ends at a checkpoint pauses after <paramref name="pauseAfterSeconds"/> of the trial's training
    /// time when given, else at the checkpoint's iteration. A segment to the deadline is fitted to the time left and
    /// refitted in place while it trains (<see cref="DeadlineRefitter"/>, <see cref="DefaultTrainer.Reschedule"/>);
    /// neither fit goes past <paramref name="maxIterations"/>.</summary>
    public DetectionTrialResult RunSegment(DetectionTrialState s, bool toDeadline, DateTime deadline, CancellationToken ct,
        double? pauseAfterSeconds = null, int? maxIterations = null)
    {
        var clock = Stopwatch.StartNew();
        if (toDeadline && s.IterationSeconds.Count > 0)
        {
            int time = FitToDeadline(s, deadline);
            int fitted = BudgetSchedule.Cap(time, s.Done, maxIterations);
            log(string.Create(CultureInfo.InvariantCulture,
                $"Trial {s.Settings.TrialId}: schedule fitted to the time left: {fitted} iterations (was {s.MaxIter}){BudgetSchedule.CapNote(fitted, time, $"{maxIterations}")}."));
            s.MaxIter = fitted;
        }
        using var deadlineStop = new CancellationTokenSource();
        var left = deadline - DateTime.UtcNow;
        if (left <= TimeSpan.Zero) deadlineStop.Cancel();
        else deadlineStop.CancelAfter(left);

        var records = catalog.Get(validation);
        string? bestCheckpoint = null;
        bool timeStopped = false;
        CocoEvalResult eval;
        var cfg = Config(s, s.MaxIter);
        // A segment to the deadline is the trial's last: it validates as rcnn train does (the LR steps when validation
        // stops improving, and the best model is the trial's), and its schedule is kept on time.
        AutoSchedule? schedule = null;
        if (toDeadline)
        {
            cfg.MergeFromList(["DATASETS.TEST", $"('{validation}',)",
                "TEST.EVAL_PERIOD", AutoSchedule.EvalPeriod(cfg.Solver.MaxIter).ToString(CultureInfo.InvariantCulture)]);
            schedule = new AutoSchedule(true, new DeadlineRefitter(s.Done, deadline, s.EvalSeconds, (fit, done) => BudgetSchedule.Cap(fit, done, maxIterations)),
                log, n => s.MaxIter = n, $"Trial {s.Settings.TrialId}: ");
        }
        // The checkpoint this segment pauses at; none when it trains to the end of its schedule.
        int? target = !toDeadline && s.Scores.Count < s.Targets.Count ? s.Targets[s.Scores.Count] : null;
        using var segment = new CancellationTokenSource();
        var pause = new CallbackHook(afterStep: t =>
        {
            if (target is not int k) return;
            double trained = pauseAfterSeconds is null ? 0 : s.TrainSeconds + t.Storage.History("time").Sum(v => v.Value);
            if (ReachedCheckpoint(t.Iteration, k, trained, pauseAfterSeconds)) segment.Cancel();
        });

        using (var trainer = new DefaultTrainer(cfg, catalog, new DefaultTrainerOptions
        {
            NumThreads = numThreads,
            Log = log,
            LogPeriod = Period,
            LossCurvePeriod = int.MaxValue,
            Hooks = [.. schedule?.Hooks() ?? [], _ => pause],
            EvaluationFiles = false,
            EvaluateWhenStopped = () => deadlineStop.IsCancellationRequested && !ct.IsCancellationRequested,
        }))
        {
            trainer.ResumeOrLoad(s.Done > 0);
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, deadlineStop.Token, segment.Token))
                s.Finished = trainer.Train(stop.Token);
            string? final = schedule?.UseBest(trainer);
            if (final is not null) log($"Trial {s.Settings.TrialId}: {final}");
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
            bestCheckpoint = final is not null ? schedule!.Best!.Path : null;
            var evalClock = Stopwatch.StartNew();
            eval = DatasetEvaluation.Evaluate(trainer.Model, records.Records, records.Metadata, trainer.Config);
            s.EvalSeconds = evalClock.Elapsed.TotalSeconds;
            if (!s.Finished)
            {
                s.Scores.Add((s.Done, eval.AP50));
                s.CheckpointSeconds.Add(s.TrainSeconds);
            }
        }
        s.TrainMilliseconds += clock.Elapsed.TotalMilliseconds;
        string checkpoint = KeepOnlyCheckpoint(s.Settings.OutputDirectory, bestCheckpoint);
        string? reason = timeStopped ? $"time budget reached at iteration {s.Done} of {s.MaxIter}"
            : s.Finished ? null
            : string.Create(CultureInfo.InvariantCulture, $"paused at iteration {s.Done} of {s.MaxIter} (checkpoint {s.Scores.Count - 1}, validation MAP50 {eval.AP50:F3})");
        s.Result = new DetectionTrialResult(s.Settings with { }, Clean(eval.AP), Clean(eval.AP50), s.TrainMilliseconds, s.PeakMegaBytes,
            s.Done, reason is not null, reason, s.Scores.ToArray(), checkpoint, Path.Combine(s.Settings.OutputDirectory, DefaultTrainer.ConfigFile));
        return s.Result;
    }

    /// <summary>The schedule length that ends <paramref name="s"/> at <paramref name="deadline"/>, at its measured
    /// iteration time, keeping its last scoring's time for the final one (<see cref="BudgetSchedule.FitToDeadline"/>).</summary>
    public static int FitToDeadline(DetectionTrialState s, DateTime deadline) =>
        BudgetSchedule.FitToDeadline(s.Done, s.IterationSeconds, s.EvalSeconds, deadline - DateTime.UtcNow);

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
