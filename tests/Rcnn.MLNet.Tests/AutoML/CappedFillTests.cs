using Rcnn.MLNet.AutoML;
using Rcnn.Tests.Shared;

namespace Rcnn.MLNet.Tests.AutoML;

/// <summary>
/// A capped fill in a real (tiny) experiment: two trials train to their checkpoint (5 of 10 iterations), the better one
/// resumes to the deadline but stops at the cap of 20 iterations, long before a 10-minute budget; the other then trains
/// on to the cap as well, and the experiment ends with both finished instead of waiting out the budget. About a minute.
/// </summary>
[TestClass]
public sealed class CappedFillTests
{
    [TestMethod]
    public async Task TheRunnerUpTrainsOnWhenTheCappedSurvivorEndsEarly()
    {
        var (catalog, cfg) = MiniData.MiniExperiment("capped-fill");
        string output = MiniData.TempDir("capped-fill-out");
        double[] anchors = [16, 32, 64, 128, 256];
        var space = new DetectionSearchSpace
        {
            BackboneDepths = [18],
            MinBaseLearningRate = 0.005,
            MaxBaseLearningRate = 0.02,
            ImageSizes = [96],
            AnchorSizeSets = [anchors],
            RoiBatchSizesPerImage = [64],
            Iterations = [10],
            FpnChannels = [64],
        };
        var experiment = new Microsoft.ML.MLContext(1).DetectionExperiment()
            .SetDataset(catalog, "train", "val")
            .SetBaseConfig(cfg)
            .SetSearchSpace(space)
            .SetSeed(3)
            .SetTrainingTimeInSeconds(600)
            .SetMaxTrials(2)
            .SetOutputDirectory(output)
            .SetNumThreads(1)
            .SetSuccessiveHalvingTuner([0.5], stopFraction: 0.5, trialsPerBracket: 2, fillBudget: true, maxFillIterations: 20);

        var result = await experiment.RunAsync();

        Assert.AreEqual(2, result.Trials.Count);
        foreach (var t in result.Trials)
        {
            Assert.AreEqual(5, t.CheckpointScores.Single().Iteration, $"trial {t.TrialId}");
            Assert.AreEqual(20, t.IterationsDone, $"trial {t.TrialId}: {t.StopReason}");
            Assert.IsFalse(t.StoppedEarly, $"trial {t.TrialId}: {t.StopReason}");
        }
        Assert.IsTrue(result.Duration < TimeSpan.FromMinutes(9), $"took {result.Duration}");
        Assert.IsFalse(result.Cancelled);
        Directory.Delete(output, recursive: true);
    }
}
