using Rcnn.Training.Config;

namespace Rcnn.Training.Tests.Config;

[TestClass]
public class ConfigDumpTests
{
    private static RcnnConfig Reload(RcnnConfig cfg)
    {
        using var dir = new TempConfigDir();
        return RcnnConfig.FromFile(dir.Write("dump.yaml", cfg.Dump()));
    }

    [TestMethod]
    public void DefaultsRoundTrip()
    {
        var cfg = new RcnnConfig();
        var back = Reload(cfg);
        Assert.IsTrue(cfg.ValueEquals(back), string.Join(", ", cfg.Differences(back)));
    }

    [TestMethod]
    public void EditedValuesRoundTripIncludingAwkwardOnes()
    {
        var cfg = new RcnnConfig();
        cfg.OutputDir = "123";                     // a string that literal_eval would turn into an int
        cfg.Model.Weights = "[not, a, list]";      // ... or into a syntax error
        cfg.Model.Device = "it's \"quoted\"";
        cfg.Solver.BaseLr = 0.1 + 0.2;             // 0.30000000000000004 needs all 17 digits
        cfg.Solver.WeightDecay = 1e-5;             // exponent form
        cfg.Solver.WeightDecayBias = 0.0;          // non-null nullable
        cfg.Solver.ClipGradients.NormType = double.PositiveInfinity;
        cfg.Model.AnchorGenerator.Sizes = [[16, 24.5], [48]];
        cfg.Datasets.Train = ["a", "b c"];
        cfg.Input.MinSizeTrain = [1, 2, 3];
        cfg.Model.ResNets.DeformOnPerStage = [false, true, false, true];
        cfg.Seed = -5;
        var back = Reload(cfg);
        Assert.IsTrue(cfg.ValueEquals(back), string.Join(", ", cfg.Differences(back)));
        Assert.AreEqual("123", back.OutputDir);
        Assert.AreEqual(0.30000000000000004, back.Solver.BaseLr);
    }

    [TestMethod]
    public void DumpUsesDetectron2Spelling()
    {
        string yaml = new RcnnConfig().Dump();
        StringAssert.Contains(yaml, "NMS_THRESH: 0.7");
        StringAssert.Contains(yaml, "STRIDE_IN_1X1: true");
        StringAssert.Contains(yaml, "DATALOADER:");
        StringAssert.Contains(yaml, "WEIGHT_DECAY_BIAS: null");
        StringAssert.Contains(yaml, "SIZES: [[32.0, 64.0, 128.0, 256.0, 512.0]]");
        StringAssert.Contains(yaml, "FORMAT: \"BGR\"");
        // detectron2 dumps keys sorted: CUDNN_BENCHMARK comes before VERSION at the top level.
        Assert.IsTrue(yaml.IndexOf("CUDNN_BENCHMARK:", StringComparison.Ordinal) < yaml.IndexOf("VERSION:", StringComparison.Ordinal));
    }

    [TestMethod]
    public void CloneIsDeepAndDifferencesNameKeys()
    {
        var cfg = new RcnnConfig();
        var copy = cfg.Clone();
        Assert.IsTrue(cfg.ValueEquals(copy));
        copy.Model.AnchorGenerator.Sizes[0][0] = 8;
        copy.Solver.MaxIter = 1;
        Assert.AreEqual(32.0, cfg.Model.AnchorGenerator.Sizes[0][0]);
        CollectionAssert.AreEqual(new[] { "MODEL.ANCHOR_GENERATOR.SIZES", "SOLVER.MAX_ITER" }, cfg.Differences(copy).ToArray());
        Assert.IsFalse(cfg.ValueEquals(copy));
    }
}
