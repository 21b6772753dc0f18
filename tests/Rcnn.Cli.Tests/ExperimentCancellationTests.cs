using System.Text.Json;
using Rcnn.MLNet.AutoML;
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

        public void ReportRunningTrial(DetectionTrialSettings settings)
        {
            Running = settings.TrialId;
            Events.Add($"running {settings.TrialId}");
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
        string voc = TestData.MiniVoc("experiment", 4, 2);
        string output = TestData.TempDir("experiment-out");
        var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
        catalog.RegisterPascalVoc("train", voc, "train", ["Platelets", "RBC", "WBC"]);
        catalog.RegisterPascalVoc("val", voc, "val", ["Platelets", "RBC", "WBC"]);
        var cfg = RcnnConfig.FromFile(ConfigFiles.Find(ConfigFiles.AutoBase));
        cfg.MergeFromList(TestData.TinyOverrides);
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
            .SetSuccessiveHalvingTuner([1.0 / 3])
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
        CollectionAssert.AreEqual(new[] { "running 0", "completed 0", "best 0", "running 1", "failed 1 OperationCanceledException" }, monitor.Events);

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
}
