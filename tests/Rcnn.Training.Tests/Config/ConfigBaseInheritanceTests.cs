using Rcnn.Training.Config;

namespace Rcnn.Training.Tests.Config;

/// <summary><c>_BASE_</c> chains as fvcore resolves them (see the facts file §2.4): relative to the child's folder,
/// recursive, mappings merged key by key, lists and scalars replaced, mapping over scalar rejected.</summary>
[TestClass]
public class ConfigBaseInheritanceTests
{
    [TestMethod]
    public void TwoLevelChainWithRelativePathsMergesNestedAndReplacesLists()
    {
        using var dir = new TempConfigDir();
        dir.Write("bases/grand.yaml", """
            MODEL:
              RPN:
                IN_FEATURES: ["p2", "p3"]
                NMS_THRESH: 0.6
              ANCHOR_GENERATOR:
                SIZES: [[32], [64]]
            SOLVER:
              MAX_ITER: 100
            """);
        // bases/sub/base.yaml names ../grand.yaml: relative to its own folder, not to the working directory.
        dir.Write("bases/sub/base.yaml", """
            _BASE_: "../grand.yaml"
            MODEL:
              RPN:
                NMS_THRESH: 0.65
            SOLVER:
              STEPS: (10, 20)
            """);
        string child = dir.Write("configs/child.yaml", """
            _BASE_: ../bases/sub/base.yaml
            MODEL:
              RPN:
                POST_NMS_TOPK_TEST: 77
              ANCHOR_GENERATOR:
                SIZES: [[16]]
            SOLVER:
              MAX_ITER: 300
            """);
        var cfg = RcnnConfig.FromFile(child);

        CollectionAssert.AreEqual(new[] { "p2", "p3" }, cfg.Model.Rpn.InFeatures);   // from grand, untouched
        Assert.AreEqual(0.65, cfg.Model.Rpn.NmsThresh);                             // base over grand
        Assert.AreEqual(77, cfg.Model.Rpn.PostNmsTopkTest);                         // child, sibling keys kept
        Assert.AreEqual(1, cfg.Model.AnchorGenerator.Sizes.Count);                  // list replaced, not concatenated
        CollectionAssert.AreEqual(new[] { 16.0 }, cfg.Model.AnchorGenerator.Sizes[0]);
        Assert.AreEqual(300, cfg.Solver.MaxIter);
        CollectionAssert.AreEqual(new[] { 10, 20 }, cfg.Solver.Steps);
        Assert.AreEqual(2000, cfg.Model.Rpn.PostNmsTopkTrain);                      // untouched default
    }

    [TestMethod]
    public void ListOfBasesMergesInOrderAndAbsolutePathsWork()
    {
        using var dir = new TempConfigDir();
        string a = dir.Write("a.yaml", "SOLVER:\n  MAX_ITER: 1\n  BASE_LR: 0.5\n");
        dir.Write("b.yaml", "SOLVER:\n  MAX_ITER: 2\n");
        string child = dir.Write("c/child.yaml", $"_BASE_: [\"{a}\", \"../b.yaml\"]\nSEED: 7\n");
        var cfg = RcnnConfig.FromFile(child);
        Assert.AreEqual(2, cfg.Solver.MaxIter);   // the later base wins
        Assert.AreEqual(0.5, cfg.Solver.BaseLr);  // the earlier base's other keys survive
        Assert.AreEqual(7, cfg.Seed);
    }

    [TestMethod]
    public void ChildScalarReplacesBaseMappingAndThenFailsTheSchema()
    {
        // fvcore lets a scalar replace a mapping; the schema then rejects it, naming the child file.
        using var dir = new TempConfigDir();
        dir.Write("base.yaml", "SOLVER:\n  MAX_ITER: 1\n");
        string child = dir.Write("child.yaml", "_BASE_: base.yaml\nSOLVER: 5\n");
        var e = Assert.ThrowsExactly<ConfigException>(() => RcnnConfig.FromFile(child));
        StringAssert.Contains(e.Message, "'SOLVER'");
        StringAssert.Contains(e.Message, child);
        StringAssert.Contains(e.Message, "section");
    }

    [TestMethod]
    public void MappingOverScalarIsAnError()
    {
        using var dir = new TempConfigDir();
        string baseFile = dir.Write("base.yaml", "MODEL:\n  RPN: 3\n");
        string child = dir.Write("child.yaml", "_BASE_: base.yaml\nMODEL:\n  RPN:\n    NMS_THRESH: 0.5\n");
        var e = Assert.ThrowsExactly<ConfigException>(() => RcnnConfig.FromFile(child));
        StringAssert.Contains(e.Message, "'MODEL.RPN'");
        StringAssert.Contains(e.Message, child);
        StringAssert.Contains(e.Message, baseFile);
        StringAssert.Contains(e.Message, "mapping cannot be merged over a scalar");
        Assert.AreEqual("MODEL.RPN", e.Key);
    }

    [TestMethod]
    public void MissingBaseFileNamesTheFileAndTheChild()
    {
        using var dir = new TempConfigDir();
        string child = dir.Write("sub/child.yaml", "_BASE_: ../nope/base.yaml\nSEED: 1\n");
        var e = Assert.ThrowsExactly<ConfigException>(() => RcnnConfig.FromFile(child));
        StringAssert.Contains(e.Message, Path.Combine(dir.Root, "nope", "base.yaml"));
        StringAssert.Contains(e.Message, "does not exist");
        StringAssert.Contains(e.Message, child);
    }

    [TestMethod]
    public void MissingTopLevelFileIsAnError()
    {
        using var dir = new TempConfigDir();
        string path = Path.Combine(dir.Root, "absent.yaml");
        var e = Assert.ThrowsExactly<ConfigException>(() => RcnnConfig.FromFile(path));
        StringAssert.Contains(e.Message, path);
    }

    [TestMethod]
    public void BaseCycleIsAnError()
    {
        using var dir = new TempConfigDir();
        dir.Write("a.yaml", "_BASE_: b.yaml\n");
        string b = dir.Write("b.yaml", "_BASE_: a.yaml\n");
        var e = Assert.ThrowsExactly<ConfigException>(() => RcnnConfig.FromFile(b));
        StringAssert.Contains(e.Message, "cycle");
    }

    [TestMethod]
    public void ErrorsInABaseFileNameTheBaseFile()
    {
        using var dir = new TempConfigDir();
        string baseFile = dir.Write("base.yaml", "MODEL:\n  RPN:\n    NMS_THRESH: 2.0\n");
        string child = dir.Write("child.yaml", "_BASE_: base.yaml\nSEED: 3\n");
        var e = Assert.ThrowsExactly<ConfigException>(() => RcnnConfig.FromFile(child));
        Assert.AreEqual(baseFile, e.Source);
        StringAssert.Contains(e.Message, baseFile);
    }

    [TestMethod]
    public void FailedMergeLeavesTheConfigUnchanged()
    {
        using var dir = new TempConfigDir();
        string bad = dir.Write("bad.yaml", "SOLVER:\n  MAX_ITER: 5\n  BASE_LR: -1.0\n");
        var cfg = new RcnnConfig();
        Assert.ThrowsExactly<ConfigException>(() => cfg.MergeFromFile(bad));
        Assert.AreEqual(40000, cfg.Solver.MaxIter);
    }
}
