using System.Diagnostics;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;
using Rcnn.Training.Evaluation;

namespace Rcnn.MLNet.AutoML;

/// <summary>
/// Trains one trial with <see cref="DefaultTrainer"/> in segments: it runs to each checkpoint fraction of its
/// iterations (stopping through the trainer's cancellation token, which checkpoints that iteration), scores the model
/// on the validation data, asks the tuner whether to go on, and resumes from the checkpoint when it may.
/// </summary>
internal sealed class DetectionTrialRunner(DatasetCatalog catalog, IReadOnlyList<string> train, string validation, RcnnConfig baseConfig,
    int numClasses, int? numThreads, Action<string> log)
{
    /// <summary>Iterations between the engine's progress lines, which is also the granularity of checkpoints.</summary>
    private const int Period = 5;

    public DetectionTrialResult Run(DetectionTrialSettings settings, IDetectionTuner tuner, DateTime deadline, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var cfg = baseConfig.Clone();
        settings.Parameters.ApplyTo(cfg);
        cfg.Datasets.Train.Clear();
        cfg.Datasets.Train.AddRange(train);
        cfg.Datasets.Test.Clear();  // scored here, not by the trainer's evaluation hook
        cfg.Model.RoiHeads.NumClasses = numClasses;
        cfg.OutputDir = settings.OutputDirectory;
        cfg.Seed = settings.Seed;
        int maxIter = cfg.Solver.MaxIter;
        var targets = tuner.CheckpointFractions
            .Select(f => (int)Math.Round(f * maxIter / Period) * Period)
            .Where(t => t >= Period && t < maxIter).Distinct().Order().ToList();

        int target = maxIter;
        CancellationTokenSource? segmentStop = null;
        DefaultTrainer? trainer = null;
        void OnLog(string line)
        {
            log(line);
            // Only while a segment trains: lines logged between segments (e.g. by the resume) must not stop the next one.
            var t = trainer?.Trainer;
            var s = segmentStop;
            if (t is not null && s is not null && target < maxIter && t.Iteration + 1 >= target) s.Cancel();
        }

        using var deadlineStop = new CancellationTokenSource();
        var left = deadline - DateTime.UtcNow;
        if (left <= TimeSpan.Zero) deadlineStop.Cancel();
        else deadlineStop.CancelAfter(left);

        var records = catalog.Get(validation);
        var scores = new List<(int, double)>();
        double peak = 0;
        bool stoppedEarly = false;
        string? reason = null;
        CocoEvalResult? eval = null;
        int done = 0;
        using (trainer = new DefaultTrainer(cfg, catalog, new DefaultTrainerOptions
        {
            NumThreads = numThreads,
            Log = OnLog,
            LogPeriod = Period,
            LossCurvePeriod = int.MaxValue,
        }))
        {
            trainer.ResumeOrLoad(false);
            for (int k = 0; ; k++)
            {
                target = k < targets.Count ? targets[k] : maxIter;
                using var segment = new CancellationTokenSource();
                using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, deadlineStop.Token, segment.Token))
                {
                    segmentStop = segment;
                    bool completed = trainer.Train(stop.Token);
                    segmentStop = null;
                    done = trainer.Trainer?.Iteration ?? done;
                    peak = Math.Max(peak, trainer.Trainer?.Storage.History("rss_mb").Select(v => v.Value).DefaultIfEmpty(0).Max() ?? 0);
                    ct.ThrowIfCancellationRequested();
                    if (completed) break;
                    if (deadlineStop.IsCancellationRequested)
                    {
                        stoppedEarly = true;
                        reason = $"time budget reached at iteration {done} of {maxIter}";
                        break;
                    }
                }
                eval = DatasetEvaluation.Evaluate(trainer.Model, records.Records, records.Metadata, cfg);
                scores.Add((done, eval.AP50));
                if (!tuner.ShouldContinue(settings.TrialId, k, eval.AP50))
                {
                    stoppedEarly = true;
                    reason = $"validation MAP50 {eval.AP50:F3} at iteration {done} in the bottom fraction of checkpoint {k}";
                    break;
                }
                eval = null;
                ct.ThrowIfCancellationRequested();
                trainer.ResumeOrLoad(true);
            }
            ct.ThrowIfCancellationRequested();
            eval ??= DatasetEvaluation.Evaluate(trainer.Model, records.Records, records.Metadata, cfg);
        }
        string checkpoint = KeepLastCheckpoint(settings.OutputDirectory);
        return new DetectionTrialResult(settings with { }, Clean(eval.AP), Clean(eval.AP50), clock.Elapsed.TotalMilliseconds,
            peak > 0 ? Math.Round(peak) : null, done, stoppedEarly, reason, scores, checkpoint,
            Path.Combine(settings.OutputDirectory, DefaultTrainer.ConfigFile));
    }

    private static double Clean(double v) => v < 0 || double.IsNaN(v) ? 0 : v;

    /// <summary>Deletes the intermediate checkpoints, keeping the one last_checkpoint names (the model as it ended).</summary>
    private static string KeepLastCheckpoint(string dir)
    {
        string last = Path.Combine(dir, Checkpointer.LastCheckpointFile);
        string keep = Path.Combine(dir, File.ReadAllText(last).Trim());
        foreach (var f in Directory.GetFiles(dir, "*" + Checkpointer.Extension))
            if (!string.Equals(Path.GetFullPath(f), Path.GetFullPath(keep), StringComparison.Ordinal)) File.Delete(f);
        return keep;
    }
}
