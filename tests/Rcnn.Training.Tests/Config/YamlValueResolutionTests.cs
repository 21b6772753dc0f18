using Rcnn.Training.Config;

namespace Rcnn.Training.Tests.Config;

/// <summary>A YAML value must mean what it means to detectron2: PyYAML's YAML 1.1 resolver first, then yacs'
/// literal_eval on string values.</summary>
[TestClass]
public class YamlValueResolutionTests
{
    private static RcnnConfig Load(string yaml)
    {
        using var dir = new TempConfigDir();
        return RcnnConfig.FromFile(dir.Write("v.yaml", yaml));
    }

    [TestMethod]
    public void Yaml11ScalarsAndLiteralDecoding()
    {
        var cfg = Load("""
            MODEL:
              MASK_ON: yes              # YAML 1.1 bool
              KEYPOINT_ON: Off
              ROI_HEADS:
                NUM_CLASSES: "7"        # quoted, but yacs literal-evals strings: int 7
            SOLVER:
              BASE_LR: 1e-3             # no '.', so PyYAML gives a string; literal_eval makes it 0.001
              WEIGHT_DECAY: 1.0e-5      # a YAML 1.1 float
              MAX_ITER: 0x10            # hex int
              STEPS: (8, 12)            # a string to YAML, a tuple to literal_eval
              WEIGHT_DECAY_BIAS: ~      # null
            DATASETS:
              TRAIN: ("only_one",)
            """);
        Assert.IsTrue(cfg.Model.MaskOn);
        Assert.IsFalse(cfg.Model.KeypointOn);
        Assert.AreEqual(7, cfg.Model.RoiHeads.NumClasses);
        Assert.AreEqual(0.001, cfg.Solver.BaseLr);
        Assert.AreEqual(1e-5, cfg.Solver.WeightDecay);
        Assert.AreEqual(16, cfg.Solver.MaxIter);
        CollectionAssert.AreEqual(new[] { 8, 12 }, cfg.Solver.Steps);
        Assert.IsNull(cfg.Solver.WeightDecayBias);
        CollectionAssert.AreEqual(new[] { "only_one" }, cfg.Datasets.Train);
    }

    [TestMethod]
    public void StringsInsideListsAreNotLiteralDecoded()
    {
        // yacs decodes only top-level string values: a list element "1" stays the string "1".
        var cfg = Load("MODEL:\n  RPN:\n    IN_FEATURES: [\"1\", p3]\n");
        CollectionAssert.AreEqual(new[] { "1", "p3" }, cfg.Model.Rpn.InFeatures);
    }

    [TestMethod]
    public void EmptyFileLeavesTheDefaults()
    {
        Assert.IsTrue(Load("").ValueEquals(new RcnnConfig()));
        Assert.IsTrue(Load("# only a comment\n").ValueEquals(new RcnnConfig()));
    }
}
