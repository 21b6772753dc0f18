using Rcnn.Training.Config;

namespace Rcnn.Training.Tests.Config;

/// <summary>detectron2-style KEY VALUE overrides, values decoded like yacs' literal_eval.</summary>
[TestClass]
public class ConfigOverrideTests
{
    [TestMethod]
    public void ScalarsListsAndTuplesAreDecoded()
    {
        var cfg = new RcnnConfig();
        cfg.MergeFromList([
            "SOLVER.BASE_LR", "1e-4",
            "SOLVER.MAX_ITER", "500",
            "MODEL.MASK_ON", "True",
            "MODEL.DEVICE", "cpu",
            "MODEL.WEIGHTS", "'model_final.pth'",
            "INPUT.MIN_SIZE_TRAIN", "(640, 672)",
            "SOLVER.STEPS", "(300,)",
            "MODEL.ANCHOR_GENERATOR.SIZES", "[[16, 32], [64]]",
            "MODEL.RPN.IN_FEATURES", "['p2', \"p3\"]",
            "MODEL.ANCHOR_GENERATOR.OFFSET", "0",        // an int where a float is expected widens
            "SOLVER.WEIGHT_DECAY_BIAS", "None",
        ]);
        Assert.AreEqual(1e-4, cfg.Solver.BaseLr);
        Assert.AreEqual(500, cfg.Solver.MaxIter);
        Assert.IsTrue(cfg.Model.MaskOn);
        Assert.AreEqual("cpu", cfg.Model.Device);
        Assert.AreEqual("model_final.pth", cfg.Model.Weights);
        CollectionAssert.AreEqual(new[] { 640, 672 }, cfg.Input.MinSizeTrain);
        CollectionAssert.AreEqual(new[] { 300 }, cfg.Solver.Steps);
        Assert.AreEqual(2, cfg.Model.AnchorGenerator.Sizes.Count);
        CollectionAssert.AreEqual(new[] { 16.0, 32.0 }, cfg.Model.AnchorGenerator.Sizes[0]);
        CollectionAssert.AreEqual(new[] { 64.0 }, cfg.Model.AnchorGenerator.Sizes[1]);
        CollectionAssert.AreEqual(new[] { "p2", "p3" }, cfg.Model.Rpn.InFeatures);
        Assert.AreEqual(0.0, cfg.Model.AnchorGenerator.Offset);
        Assert.IsNull(cfg.Solver.WeightDecayBias);
    }

    [TestMethod]
    public void OverridesApplyAfterTheFile()
    {
        using var dir = new TempConfigDir();
        string f = dir.Write("x.yaml", "SOLVER:\n  MAX_ITER: 10\n  BASE_LR: 0.1\n");
        var cfg = RcnnConfig.FromFile(f, ["SOLVER.MAX_ITER", "20"]);
        Assert.AreEqual(20, cfg.Solver.MaxIter);
        Assert.AreEqual(0.1, cfg.Solver.BaseLr);
    }

    [TestMethod]
    public void OddNumberOfItemsIsAnError()
    {
        var e = Assert.ThrowsExactly<ConfigException>(() => new RcnnConfig().MergeFromList(["SOLVER.MAX_ITER", "5", "SEED"]));
        StringAssert.Contains(e.Message, "odd number");
        StringAssert.Contains(e.Message, "'SEED'");
        Assert.AreEqual(ConfigSources.CommandLine, e.Source);
    }

    [TestMethod]
    public void UnknownKeySuggestsTheClosest()
    {
        var e = Assert.ThrowsExactly<ConfigException>(() => new RcnnConfig().MergeFromList(["MODEL.RPN.NMS_TRESH", "0.5"]));
        StringAssert.Contains(e.Message, "Unknown config key 'MODEL.RPN.NMS_TRESH'");
        StringAssert.Contains(e.Message, "command-line override");
        StringAssert.Contains(e.Message, "Did you mean 'MODEL.RPN.NMS_THRESH'?");
    }

    [TestMethod]
    public void SectionKeyIsAnError()
    {
        var e = Assert.ThrowsExactly<ConfigException>(() => new RcnnConfig().MergeFromList(["MODEL.RPN", "3"]));
        StringAssert.Contains(e.Message, "'MODEL.RPN' in command-line override is a section");
    }

    [TestMethod]
    public void BaseKeyIsRejected()
    {
        var e = Assert.ThrowsExactly<ConfigException>(() => new RcnnConfig().MergeFromList(["_BASE_", "x.yaml"]));
        StringAssert.Contains(e.Message, "_BASE_");
    }

    [TestMethod]
    public void ScalarOverrideForAListKeySaysHowToWriteTheList()
    {
        var e = Assert.ThrowsExactly<ConfigException>(() => new RcnnConfig().MergeFromList(["INPUT.MIN_SIZE_TRAIN", "320"]));
        StringAssert.Contains(e.Message, "'INPUT.MIN_SIZE_TRAIN'");
        StringAssert.Contains(e.Message, "got 320 (a one-element list is written (320,) or [320])");
        var cfg = new RcnnConfig();
        cfg.MergeFromList(["INPUT.MIN_SIZE_TRAIN", "(320,)"]);
        CollectionAssert.AreEqual(new[] { 320 }, cfg.Input.MinSizeTrain.ToArray());
    }

    [TestMethod]
    public void MalformedLiteralForAListKeyExplainsTheParseError()
    {
        var e = Assert.ThrowsExactly<ConfigException>(() => new RcnnConfig().MergeFromList(["SOLVER.STEPS", "(100, 200"]));
        StringAssert.Contains(e.Message, "'SOLVER.STEPS'");
        StringAssert.Contains(e.Message, "expected list of int");
        StringAssert.Contains(e.Message, "not a valid literal");
        StringAssert.Contains(e.Message, "missing ')'");
    }

    [TestMethod]
    public void LowercaseBoolIsAStringAsInYacs()
    {
        // literal_eval("true") fails, so yacs keeps the string and then rejects it for a bool key.
        var e = Assert.ThrowsExactly<ConfigException>(() => new RcnnConfig().MergeFromList(["MODEL.MASK_ON", "true"]));
        StringAssert.Contains(e.Message, "expected bool, got 'true'");
    }

    [TestMethod]
    public void FailedOverrideLeavesTheConfigUnchanged()
    {
        var cfg = new RcnnConfig();
        Assert.ThrowsExactly<ConfigException>(() => cfg.MergeFromList(["SOLVER.MAX_ITER", "5", "SOLVER.GAMMA", "-1"]));
        Assert.AreEqual(40000, cfg.Solver.MaxIter);
    }
}
