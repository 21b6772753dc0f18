using Rcnn.MLNet.AutoML;
using Rcnn.Tests.Shared;

namespace Rcnn.MLNet.Tests.AutoML;

/// <summary>
/// Equal-time checkpoints in a real (tiny) experiment: trial 0 pauses at its checkpoint iteration; trial 1, a much
/// cheaper configuration (smaller images, a quarter of the FPN width), pauses after as many training seconds and so
/// has done more iterations there. With equal-iteration checkpoints they would pause at iterations 10 and 200. About 40 s.
/// </summary>
[TestClass]
public sealed class EqualTimeCheckpointTests
{
    /// <summary>Two fixed trials, each trained to its first checkpoint, then the experiment ends.</summary>
    private sealed class TwoTrials(params DetectionParameters[] trials) : IDetectionTuner
    {
        public IReadOnlyList<double> CheckpointFractions => [1.0 / 6];

        public bool EqualTimeCheckpoints => true;

        public DetectionParameters Propose(int trialId) => trials[trialId];

        public DetectionTrialStep Next(IReadOnlyList<DetectionTrialStatus> done, int maxTrials) =>
            done.Count < trials.Length ? DetectionTrialStep.Start : DetectionTrialStep.Stop;

        public void Update(DetectionTrialResult result) { }
    }

    [TestMethod]
    public async Task AFasterTrialDoesMoreIterationsBeforeItsCheckpoint()
    {
        var (catalog, cfg) = MiniData.MiniExperiment("equal-time");
        string output = MiniData.TempDir("equal-time-out");
        double[] anchors = [16, 32, 64, 128, 256];
        var slow = new DetectionParameters(18, 0.01, 192, anchors, 64, 60, FpnChannels: 256);
        // A long schedule, so that however much faster it runs here (3-7x seen), it pauses on time before its end.
        var fast = new DetectionParameters(18, 0.01, 96, anchors, 64, 1200, FpnChannels: 64);
        var experiment = new Microsoft.ML.MLContext(1).DetectionExperiment()
            .SetDataset(catalog, "train", "val")
            .SetBaseConfig(cfg)
            .SetTuner(new TwoTrials(slow, fast))
            .SetSeed(2)
            .SetTrainingTimeInSeconds(600)
            .SetOutputDirectory(output)
            .SetNumThreads(1);

        var result = await experiment.RunAsync();

        Assert.AreEqual(2, result.Trials.Count);
        var (t0, t1) = (result.Trials[0], result.Trials[1]);
        Assert.AreEqual(10, t0.CheckpointScores.Single().Iteration);  // the first trial sets the time: 60 / 6 iterations
        int fastAt = t1.CheckpointScores.Single().Iteration;
        Assert.IsTrue(fastAt > 10 && fastAt < 200, $"the cheaper trial paused at iteration {fastAt}");
        Assert.IsTrue(t1.StoppedEarly, t1.StopReason);
        Assert.AreEqual(fastAt, t1.IterationsDone);
        // Each warms up by half its first checkpoint iteration (10 of 60, 200 of 1200), below the schedules' own 10 and 200.
        Assert.AreEqual(5, Rcnn.Training.Config.RcnnConfig.FromFile(t0.ConfigPath).Solver.WarmupIters);
        Assert.AreEqual(100, Rcnn.Training.Config.RcnnConfig.FromFile(t1.ConfigPath).Solver.WarmupIters);
        Directory.Delete(output, recursive: true);
    }
}
