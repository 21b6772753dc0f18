using Rcnn.Training.Config;

namespace Rcnn.Training.Tests.Config;

/// <summary>Each error path of file loading, with what its message must say.</summary>
[TestClass]
public class ConfigErrorTests
{
    private static ConfigException LoadError(string yaml, out string path)
    {
        using var dir = new TempConfigDir();
        string p = path = dir.Write("cfg.yaml", yaml);
        return Assert.ThrowsExactly<ConfigException>(() => RcnnConfig.FromFile(p));
    }

    [TestMethod]
    public void UnknownNestedKeyNamesKeyFileAndSuggestion()
    {
        var e = LoadError("MODEL:\n  ROI_HEADS:\n    BATCH_SIZE_PER_IMG: 64\n", out string path);
        StringAssert.Contains(e.Message, "Unknown config key 'MODEL.ROI_HEADS.BATCH_SIZE_PER_IMG'");
        StringAssert.Contains(e.Message, $"file '{path}'");
        StringAssert.Contains(e.Message, "Did you mean 'MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE'?");
        Assert.AreEqual("MODEL.ROI_HEADS.BATCH_SIZE_PER_IMG", e.Key);
        Assert.AreEqual(path, e.Source);
    }

    [TestMethod]
    public void UnknownTopLevelKeySuggestsTheSection()
    {
        var e = LoadError("SOLVR:\n  MAX_ITER: 3\n", out string path);
        StringAssert.Contains(e.Message, "Unknown config key 'SOLVR'");
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "Did you mean 'SOLVER'?");
    }

    [TestMethod]
    public void UnsupportedDetectron2SectionSaysSo()
    {
        var e = LoadError("MODEL:\n  RETINANET:\n    NUM_CLASSES: 3\n", out _);
        StringAssert.Contains(e.Message, "Unsupported config key 'MODEL.RETINANET'");
        StringAssert.Contains(e.Message, "not supported");
    }

    [TestMethod]
    public void WrongTypeNamesKeyFileExpectedTypeAndValue()
    {
        var e = LoadError("SOLVER:\n  MAX_ITER: \"many\"\n", out string path);
        StringAssert.Contains(e.Message, "'SOLVER.MAX_ITER'");
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "expected int, got 'many'");
    }

    [TestMethod]
    public void FloatForIntKeyIsAWrongType()
    {
        var e = LoadError("SOLVER:\n  IMS_PER_BATCH: 2.5\n", out _);
        StringAssert.Contains(e.Message, "'SOLVER.IMS_PER_BATCH'");
        StringAssert.Contains(e.Message, "expected int, got 2.5");
    }

    [TestMethod]
    public void ScalarForListKeyIsAWrongType()
    {
        // yacs refuses an int where a tuple is the default; so do we.
        var e = LoadError("INPUT:\n  MIN_SIZE_TRAIN: 800\n", out _);
        StringAssert.Contains(e.Message, "expected list of int, got 800 (a one-element list is written (800,) or [800]).");
    }

    [TestMethod]
    public void WrongElementTypeInNestedList()
    {
        var e = LoadError("MODEL:\n  ANCHOR_GENERATOR:\n    SIZES: [[32, big]]\n", out _);
        StringAssert.Contains(e.Message, "'MODEL.ANCHOR_GENERATOR.SIZES'");
        StringAssert.Contains(e.Message, "expected list of list of float, got [[32, 'big']]");
    }

    [TestMethod]
    public void MappingForLeafKeyIsAWrongType()
    {
        var e = LoadError("SEED:\n  A: 1\n", out _);
        StringAssert.Contains(e.Message, "'SEED'");
        StringAssert.Contains(e.Message, "expected int, got a mapping");
    }

    [TestMethod]
    public void OutOfRangeNamesKeyFileRangeAndValue()
    {
        var e = LoadError("MODEL:\n  RPN:\n    NMS_THRESH: 1.5\n", out string path);
        StringAssert.Contains(e.Message, "'MODEL.RPN.NMS_THRESH'");
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "value 1.5 is out of range; allowed range [0, 1]");
    }

    [TestMethod]
    public void RangeChecksCoverHalfOpenAndPositiveAndListElements()
    {
        StringAssert.Contains(LoadError("MODEL:\n  ANCHOR_GENERATOR:\n    OFFSET: 1.0\n", out _).Message, "allowed range [0, 1)");
        StringAssert.Contains(LoadError("SOLVER:\n  IMS_PER_BATCH: 0\n", out _).Message, "value 0 is out of range; allowed range >= 1");
        StringAssert.Contains(LoadError("MODEL:\n  BACKBONE:\n    FREEZE_AT: 6\n", out _).Message, "allowed range [0, 5]");
        StringAssert.Contains(LoadError("MODEL:\n  RPN:\n    IOU_THRESHOLDS: [0.3, 1.7]\n", out _).Message, "value 1.7 is out of range; allowed range [0, 1]");
        StringAssert.Contains(LoadError("MODEL:\n  PIXEL_STD: [1.0, 0.0, 1.0]\n", out _).Message, "value 0.0 is out of range; allowed range > 0");
    }

    [TestMethod]
    public void ChoiceViolationListsAllowedValues()
    {
        var e = LoadError("MODEL:\n  RESNETS:\n    DEPTH: 42\n", out _);
        StringAssert.Contains(e.Message, "'MODEL.RESNETS.DEPTH'");
        StringAssert.Contains(e.Message, "value 42 is not allowed; allowed values: 18, 34, 50, 101, 152");
        StringAssert.Contains(LoadError("INPUT:\n  FORMAT: YUV\n", out _).Message, "allowed values: 'BGR', 'RGB'");
        StringAssert.Contains(LoadError("MODEL:\n  RESNETS:\n    NORM: LN\n", out _).Message, "'', 'BN', 'SyncBN', 'FrozenBN', 'GN'");
    }

    [TestMethod]
    public void SwitchesThePortDoesNotImplementAreRefusedNotIgnored()
    {
        // Valid in detectron2, so not an unknown value: each says it is detectron2's, why it is not here, and what is.
        var amp = LoadError("SOLVER:\n  AMP:\n    ENABLED: True\n", out _);
        StringAssert.Contains(amp.Message, "'SOLVER.AMP.ENABLED'");
        StringAssert.Contains(amp.Message, "value True is detectron2's but not supported by this port (mixed precision is a CUDA feature");
        StringAssert.Contains(amp.Message, "supported: False");
        StringAssert.Contains(LoadError("TEST:\n  AUG:\n    ENABLED: True\n", out _).Message, "GeneralizedRCNNWithTTA, is not implemented");
        StringAssert.Contains(LoadError("MODEL:\n  LOAD_PROPOSALS: True\n", out _).Message, "reading DATASETS.PROPOSAL_FILES_* is not implemented");
        var world = LoadError("SOLVER:\n  REFERENCE_WORLD_SIZE: 8\n", out _);
        StringAssert.Contains(world.Message, "value 8 is detectron2's but not supported");
        StringAssert.Contains(world.Message, "supported: 0, 1");
        var sampler = LoadError("DATALOADER:\n  SAMPLER_TRAIN: RandomSubsetTrainingSampler\n", out _);
        StringAssert.Contains(sampler.Message, "DATALOADER.RANDOM_SUBSET_RATIO, which detectron2's defaults do not define");
        StringAssert.Contains(sampler.Message, "supported: 'TrainingSampler', 'RepeatFactorTrainingSampler'");
        // A value outside detectron2's choices is still the plain choice error.
        StringAssert.Contains(LoadError("DATALOADER:\n  SAMPLER_TRAIN: Foo\n", out _).Message, "is not allowed; allowed values:");
        // The supported values load, from code too.
        var cfg = new RcnnConfig();
        cfg.MergeFromList(["SOLVER.REFERENCE_WORLD_SIZE", "1", "DATALOADER.SAMPLER_TRAIN", "RepeatFactorTrainingSampler"]);
        Assert.ThrowsExactly<ConfigException>(() => cfg.SetValue("SOLVER.AMP.ENABLED", true));
        Assert.IsFalse(cfg.Solver.Amp.Enabled);
    }

    [TestMethod]
    public void LengthViolationSaysTheExpectedLength()
    {
        var e = LoadError("MODEL:\n  ROI_BOX_HEAD:\n    BBOX_REG_WEIGHTS: [10.0, 10.0, 5.0]\n", out _);
        StringAssert.Contains(e.Message, "'MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS'");
        StringAssert.Contains(e.Message, "has 3 elements");
        StringAssert.Contains(e.Message, "expected exactly 4 elements");
    }

    [TestMethod]
    public void InvalidYamlNamesTheFile()
    {
        var e = LoadError("MODEL: [unclosed\n", out string path);
        StringAssert.Contains(e.Message, $"File '{path}' is not valid YAML");
    }

    [TestMethod]
    public void TopLevelMustBeAMapping()
    {
        var e = LoadError("- 1\n- 2\n", out _);
        StringAssert.Contains(e.Message, "must hold a mapping");
    }

    [TestMethod]
    public void SetValueFromCodeIsChecked()
    {
        var cfg = new RcnnConfig();
        var e = Assert.ThrowsExactly<ConfigException>(() => cfg.SetValue("MODEL.ROI_HEADS.POSITIVE_FRACTION", 2.0));
        StringAssert.Contains(e.Message, "in code");
        cfg.Model.RoiHeads.PositiveFraction = -0.5; // direct property writes bypass checks until Validate
        e = Assert.ThrowsExactly<ConfigException>(cfg.Validate);
        StringAssert.Contains(e.Message, "'MODEL.ROI_HEADS.POSITIVE_FRACTION'");
    }
}
