using System.Text.Json;
using Rcnn.MLNet.AutoML;
using Rcnn.Tests.Shared;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Evaluation;

namespace Rcnn.Cli.Tests;

/// <summary>
/// An experiment cancelled in the middle of its second trial keeps the first trial's result and files, removes the
/// second trial's folder, and leaves no temporary files; the first trial went through a successive-halving checkpoint
/// (a third of its 15 iterations) and resumed from it; its checkpoint reloads to the same MAP and, as an ML.NET
/// transformer, detects what the TorchSharp model detects. Tiny trials: 4 training images at 128 px. About 60 s.
/// </summary>
[TestClass]
public sealed class ExperimentCancellationTests
{
    private sealed class RecordingMonitor : IDetectionMonitor
    {
        public List<string> Events { get; } = new();
        public int Running { get; private set; } = -1;

        /// <summary>How many segments the running trial has started (2 and more: it was promoted).</summary>
        public int Segment { get; private set; }

        public void ReportRunningTrial(DetectionTrialSettings settings)
        {
            Running = settings.TrialId;
            Events.Add($"running {settings.TrialId}");
            Segment = Events.Count(e => e == $"running {settings.TrialId}");
        }

        public void ReportCompletedTrial(DetectionTrialResult result) => Events.Add($"completed {result.TrialId}");

        public void ReportBestTrial(DetectionTrialResult result) => Events.Add($"best {result.TrialId}");

        public void ReportFailTrial(DetectionTrialSettings settings, Exception? exception = null)
        {
            Events.Add($"failed {settings.TrialId} {exception?.GetType().Name}");
            Failures.Add(exception?.ToString() ?? "");
        }

        public List<string> Failures { get; } = new();
    }

    [TestMethod]
    public async Task CancelMidTrialKeepsFinishedTrialsAndNoOrphans()
    {
        var (catalog, cfg) = MiniData.MiniExperiment("experiment");
        string output = MiniData.TempDir("experiment-out");
        var monitor = new RecordingMonitor();
        using var cts = new CancellationTokenSource();
        var experiment = new Microsoft.ML.MLContext(1).DetectionExperiment()
            .SetDataset(catalog, "train", "val")
            .SetBaseConfig(cfg)
            .SetSearchSpace(new DetectionSearchSpace
            {
                BackboneDepths = [18], ImageSizes = [128], RoiBatchSizesPerImage = [64], Iterations = [15],
                AnchorSizeSets = [[16, 32, 64, 128, 256]],
            })
            .SetSeed(5)
            .SetSuccessiveHalvingTuner([1.0 / 3], trialsPerBracket: 1)  // each trial is its own bracket: promoted at once
            .SetTrainingTimeInSeconds(600)
            .SetMaxTrials(3)
            .SetOutputDirectory(output)
            .SetNumThreads(1)
            .SetMonitor(monitor)
            // Cancel once the second trial has run 5 iterations (the engine prints "iter: 4" after the fifth; progress lines come every 5).
            .SetLog(line => { if (monitor.Running == 1 && line.Contains("iter: 4  ", StringComparison.Ordinal)) cts.Cancel(); });

        var result = await experiment.RunAsync(cts.Token);

        Assert.IsTrue(result.Cancelled);
        Assert.AreEqual(1, result.Trials.Count, string.Join("\n", monitor.Events.Concat(monitor.Failures)));
        var t0 = result.Trials[0];
        Assert.AreEqual(0, t0.TrialId);
        Assert.AreSame(t0, result.BestTrial);
        Assert.AreEqual(15, t0.IterationsDone);
        Assert.IsFalse(t0.StoppedEarly);
        Assert.AreEqual(1, t0.CheckpointScores.Count);
        Assert.AreEqual(5, t0.CheckpointScores[0].Iteration);  // round(15 / 3 / 5) * 5
        Assert.IsTrue(t0.MAP50 is >= 0 and <= 1 && t0.MAP50_95 <= t0.MAP50, $"{t0.MAP50} {t0.MAP50_95}");
        Assert.IsTrue(t0.PeakMemoryInMegaByte > 0);
        Assert.AreEqual(5, t0.Settings.Seed);  // experiment seed + trial id
        CollectionAssert.AreEqual(new[] { "running 0", "completed 0", "best 0", "running 0", "completed 0", "best 0", "running 1", "failed 1 OperationCanceledException" }, monitor.Events);

        // Files: only the finished trial's folder and the leaderboard; one checkpoint (the final one) in the trial.
        CollectionAssert.AreEqual(new[] { "trial_000" }, Directory.GetDirectories(output).Select(Path.GetFileName).ToArray());
        CollectionAssert.AreEqual(new[] { DetectionExperiment.SummaryFile }, Directory.GetFiles(output).Select(Path.GetFileName).ToArray());
        var ckpts = Directory.GetFiles(Path.Combine(output, "trial_000"), "*.ckpt");
        CollectionAssert.AreEqual(new[] { t0.CheckpointPath }, ckpts);
        Assert.IsTrue(File.Exists(t0.ConfigPath));
        Assert.AreEqual(0, Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories).Length);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, DetectionExperiment.SummaryFile)));
        Assert.AreEqual(1, summary.RootElement.GetProperty("trials").GetArrayLength());
        Assert.AreEqual(0, summary.RootElement.GetProperty("best_trial").GetInt32());

        // The kept checkpoint is the scored model: evaluated again from disk it gives the recorded numbers.
        using var model = t0.LoadModel();
        var val = catalog.Get("val");
        var again = DatasetEvaluation.Evaluate(model, val.Records, val.Metadata, t0.LoadConfig());
        Assert.AreEqual(t0.MAP50, Math.Max(0, again.AP50), 1e-9);
        Assert.AreEqual(t0.MAP50_95, Math.Max(0, again.AP), 1e-9);

        // The best trial as an ML.NET transformer detects what its TorchSharp model detects.
        string image = val.Records[0].FileName;
        var predictor = new Output.Predictor(model, t0.LoadConfig(), result.ClassNames);
        var torch = predictor.Predict(image).Detections.Select(d => new Det(d.Label, d.Score, [d.X0, d.Y0, d.X1, d.Y1])).ToList();
        var ml = new Microsoft.ML.MLContext();
        DeployablesCheck.AssertMatch(torch, DeployablesCheck.RunTransformer(ml, result.BestTransformer(ml)!, image), "best trial transformer");
    }

    private static (DetectionExperiment Experiment, DatasetCatalog Catalog) Bracket(string name, string output, RecordingMonitor monitor, Action<string> log)
    {
        var (catalog, cfg) = MiniData.MiniExperiment(name);
        cfg.MergeFromList(["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0"]);  // barely trained: keep low scores so MAPs differ
        var experiment = new Microsoft.ML.MLContext(1).DetectionExperiment()
            .SetDataset(catalog, "train", "val")
            .SetBaseConfig(cfg)
            .SetSearchSpace(new DetectionSearchSpace
            {
                BackboneDepths = [18], ImageSizes = [128], RoiBatchSizesPerImage = [64], Iterations = [15],
                AnchorSizeSets = [[16, 32, 64, 128, 256]], MinBaseLearningRate = 0.001, MaxBaseLearningRate = 0.04,
            })
            .SetSeed(3)
            // One bracket of 3 trials, a checkpoint at iteration 5, keep(3) = 3 - floor(3 x 2/3) = 1.
            .SetSuccessiveHalvingTuner([1.0 / 3], stopFraction: 2.0 / 3, trialsPerBracket: 3)
            .SetTrainingTimeInSeconds(600)
            .SetMaxTrials(3)
            .SetOutputDirectory(output)
            .SetNumThreads(1)
            .SetMonitor(monitor)
            .SetLog(log);
        return (experiment, catalog);
    }

    /// <summary>Successive halving with promotion: three trials train to their checkpoint (iteration 5) and pause; the
    /// best there resumes from its own checkpoint (no restart) to its end; the others stay stopped. About 60 s.</summary>
    [TestMethod]
    public async Task BracketPromotesTheBestTrialWhichResumesFromItsCheckpoint()
    {
        string output = MiniData.TempDir("experiment-bracket");
        var monitor = new RecordingMonitor();
        var (experiment, _) = Bracket("bracket", output, monitor, _ => { });

        var result = await experiment.RunAsync();

        Assert.IsFalse(result.Cancelled);
        Assert.AreEqual(3, result.Trials.Count, string.Join("\n", monitor.Events.Concat(monitor.Failures)));
        // The promoted trial is the best at the checkpoint (ties to the lower id), computed here from the recorded scores.
        var atCheckpoint = result.Trials.Select(t => (t.TrialId, Score: t.CheckpointScores.Single().MAP50)).ToList();
        Assert.IsTrue(result.Trials.All(t => t.CheckpointScores.Single().Iteration == 5));
        int winner = atCheckpoint.OrderByDescending(t => t.Score).ThenBy(t => t.TrialId).First().TrialId;
        CollectionAssert.AreEqual(new[] { "running 0", "completed 0", "running 1", "completed 1", "running 2", "completed 2", $"running {winner}", $"completed {winner}" },
            monitor.Events.Where(e => !e.StartsWith("best", StringComparison.Ordinal)).ToArray());
        foreach (var t in result.Trials)
        {
            var ckpts = Directory.GetFiles(Path.Combine(output, $"trial_{t.TrialId:D3}"), "*.ckpt");
            CollectionAssert.AreEqual(new[] { t.CheckpointPath }, ckpts);
            Assert.AreEqual(t.IterationsDone - 1, Rcnn.Training.Engine.Checkpointer.IterationOf(t.CheckpointPath));
            if (t.TrialId == winner)
            {
                Assert.AreEqual(15, t.IterationsDone);
                Assert.IsFalse(t.StoppedEarly, t.StopReason);
            }
            else
            {
                Assert.AreEqual(5, t.IterationsDone);
                Assert.IsTrue(t.StoppedEarly);
                StringAssert.StartsWith(t.StopReason, "not promoted past checkpoint 0 (iteration 5 of 15");
                // A stopped trial's result is its model at the checkpoint.
                Assert.AreEqual(t.CheckpointScores[0].MAP50, t.MAP50, 1e-12);
            }
        }
        // The resume continued the winner's run: its metrics hold iterations 4, 9 and 14 once each (no restart from 0).
        var iterations = File.ReadLines(Path.Combine(output, $"trial_{winner:D3}", "metrics.json"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("iteration").GetInt32()).ToList();
        CollectionAssert.AreEqual(new[] { 4, 9, 14 }, iterations);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, DetectionExperiment.SummaryFile)));
        Assert.AreEqual(3, summary.RootElement.GetProperty("trials").GetArrayLength());
    }

    /// <summary>Cancelling a promoted trial mid-resume puts it back to the checkpoint and score it had. About 50 s.</summary>
    [TestMethod]
    public async Task CancellingAResumedTrialKeepsItsCheckpointResult()
    {
        string output = MiniData.TempDir("experiment-bracket-cancel");
        var monitor = new RecordingMonitor();
        using var cts = new CancellationTokenSource();
        var (experiment, _) = Bracket("bracket-cancel", output, monitor,
            line => { if (monitor.Segment == 2 && line.Contains("iter: 9  ", StringComparison.Ordinal)) cts.Cancel(); });

        var result = await experiment.RunAsync(cts.Token);

        Assert.IsTrue(result.Cancelled);
        Assert.AreEqual(3, result.Trials.Count, string.Join("\n", monitor.Events.Concat(monitor.Failures)));
        int resumed = monitor.Running;
        StringAssert.EndsWith(monitor.Events[^1], "OperationCanceledException");
        foreach (var t in result.Trials)
        {
            Assert.AreEqual(5, t.IterationsDone, $"trial {t.TrialId}");
            Assert.IsTrue(t.StoppedEarly);
            var ckpts = Directory.GetFiles(Path.Combine(output, $"trial_{t.TrialId:D3}"), "*.ckpt");
            CollectionAssert.AreEqual(new[] { t.CheckpointPath }, ckpts, $"trial {t.TrialId}");
            Assert.AreEqual(4, Rcnn.Training.Engine.Checkpointer.IterationOf(t.CheckpointPath));
            string last = File.ReadAllText(Path.Combine(output, $"trial_{t.TrialId:D3}", Rcnn.Training.Engine.Checkpointer.LastCheckpointFile)).Trim();
            Assert.AreEqual(Path.GetFileName(t.CheckpointPath), last);
        }
        StringAssert.StartsWith(result.Trials.Single(t => t.TrialId == resumed).StopReason, "the experiment was cancelled at checkpoint 0");
        Assert.AreEqual(0, Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories).Length);
    }
}
