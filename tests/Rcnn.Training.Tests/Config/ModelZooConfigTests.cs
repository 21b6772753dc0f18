using Rcnn.Training.Config;

namespace Rcnn.Training.Tests.Config;

/// <summary>The YAML files under models/ (copied next to the tests) load, and their effective values match
/// detectron2's configs/ files merged over its defaults (facts file §2.2-2.3).</summary>
[TestClass]
public class ModelZooConfigTests
{
    private static string Models => Path.Combine(AppContext.BaseDirectory, "models");

    private static RcnnConfig Load(string relative) => RcnnConfig.FromFile(Path.Combine(Models, relative));

    [TestMethod]
    public void EveryYamlUnderModelsLoads()
    {
        var files = Directory.GetFiles(Models, "*.yaml", SearchOption.AllDirectories);
        Assert.IsGreaterThanOrEqualTo(9, files.Length, $"found {files.Length} files under {Models}");
        foreach (var f in files)
        {
            var cfg = RcnnConfig.FromFile(f);
            Assert.AreEqual(2, cfg.Version, f);
            cfg.Validate();
        }
    }

    [TestMethod]
    public void FasterRcnnR50Fpn1x()
    {
        var cfg = Load("COCO-Detection/faster_rcnn_R_50_FPN_1x.yaml");
        Assert.AreEqual("GeneralizedRCNN", cfg.Model.MetaArchitecture);
        Assert.AreEqual("build_resnet_fpn_backbone", cfg.Model.Backbone.Name);
        Assert.AreEqual("detectron2://ImageNetPretrained/MSRA/R-50.pkl", cfg.Model.Weights);
        Assert.AreEqual(50, cfg.Model.ResNets.Depth);
        Assert.IsFalse(cfg.Model.MaskOn);
        CollectionAssert.AreEqual(new[] { 60000, 80000 }, cfg.Solver.Steps);
        Assert.AreEqual(90000, cfg.Solver.MaxIter);
        Assert.AreEqual(16, cfg.Solver.ImsPerBatch);
        Assert.AreEqual(0.02, cfg.Solver.BaseLr);
        Assert.AreEqual(7, cfg.Model.RoiBoxHead.PoolerResolution);
        Assert.AreEqual(2, cfg.Model.RoiBoxHead.NumFc);
        Assert.AreEqual("FastRCNNConvFCHead", cfg.Model.RoiBoxHead.Name);
        Assert.AreEqual("StandardROIHeads", cfg.Model.RoiHeads.Name);
        Assert.AreEqual(2000, cfg.Model.Rpn.PreNmsTopkTrain);
        Assert.AreEqual(1000, cfg.Model.Rpn.PreNmsTopkTest);
        Assert.AreEqual(1000, cfg.Model.Rpn.PostNmsTopkTrain);
        Assert.AreEqual(1000, cfg.Model.Rpn.PostNmsTopkTest);
        CollectionAssert.AreEqual(new[] { "p2", "p3", "p4", "p5", "p6" }, cfg.Model.Rpn.InFeatures);
        CollectionAssert.AreEqual(new[] { "p2", "p3", "p4", "p5" }, cfg.Model.RoiHeads.InFeatures);
        CollectionAssert.AreEqual(new[] { "res2", "res3", "res4", "res5" }, cfg.Model.ResNets.OutFeatures);
        CollectionAssert.AreEqual(new[] { "res2", "res3", "res4", "res5" }, cfg.Model.Fpn.InFeatures);
        Assert.AreEqual(5, cfg.Model.AnchorGenerator.Sizes.Count);
        CollectionAssert.AreEqual(new[] { 512.0 }, cfg.Model.AnchorGenerator.Sizes[4]);
        CollectionAssert.AreEqual(new[] { 640, 672, 704, 736, 768, 800 }, cfg.Input.MinSizeTrain);
        CollectionAssert.AreEqual(new[] { "coco_2017_train" }, cfg.Datasets.Train);
        CollectionAssert.AreEqual(new[] { "coco_2017_val" }, cfg.Datasets.Test);
        // Untouched defaults stay detectron2's.
        Assert.AreEqual(512, cfg.Model.RoiHeads.BatchSizePerImage);
        Assert.AreEqual(0.7, cfg.Model.Rpn.NmsThresh);
        Assert.AreEqual(1333, cfg.Input.MaxSizeTrain);
    }

    [TestMethod]
    public void ThreeXSchedulesAndR101()
    {
        var r50 = Load("COCO-Detection/faster_rcnn_R_50_FPN_3x.yaml");
        CollectionAssert.AreEqual(new[] { 210000, 250000 }, r50.Solver.Steps);
        Assert.AreEqual(270000, r50.Solver.MaxIter);
        var r101 = Load("COCO-Detection/faster_rcnn_R_101_FPN_3x.yaml");
        Assert.AreEqual(101, r101.Model.ResNets.Depth);
        Assert.AreEqual("detectron2://ImageNetPretrained/MSRA/R-101.pkl", r101.Model.Weights);
        CollectionAssert.AreEqual(new[] { 210000, 250000 }, r101.Solver.Steps);
        Assert.AreEqual(270000, r101.Solver.MaxIter);
        // The two differ only in depth and weights.
        CollectionAssert.AreEquivalent(new[] { "MODEL.WEIGHTS", "MODEL.RESNETS.DEPTH" }, r50.Differences(r101).ToArray());
    }

    [TestMethod]
    public void C4KeepsDetectron2sC4Defaults()
    {
        var cfg = Load("COCO-Detection/faster_rcnn_R_50_C4_1x.yaml");
        Assert.AreEqual("Res5ROIHeads", cfg.Model.RoiHeads.Name);
        Assert.AreEqual("build_resnet_backbone", cfg.Model.Backbone.Name);
        CollectionAssert.AreEqual(new[] { "res4" }, cfg.Model.Rpn.InFeatures);
        Assert.AreEqual(6000, cfg.Model.Rpn.PreNmsTopkTest);
        Assert.AreEqual(12000, cfg.Model.Rpn.PreNmsTopkTrain);
        Assert.AreEqual(14, cfg.Model.RoiBoxHead.PoolerResolution);
        Assert.AreEqual("", cfg.Model.RoiBoxHead.Name);
        Assert.AreEqual(1, cfg.Model.AnchorGenerator.Sizes.Count);
        CollectionAssert.AreEqual(new[] { 60000, 80000 }, cfg.Solver.Steps);
    }

    [TestMethod]
    public void RpnOnly()
    {
        var cfg = Load("COCO-Detection/rpn_R_50_FPN_1x.yaml");
        Assert.AreEqual("ProposalNetwork", cfg.Model.MetaArchitecture);
        Assert.AreEqual(2000, cfg.Model.Rpn.PostNmsTopkTest);
        Assert.AreEqual(1000, cfg.Model.Rpn.PostNmsTopkTrain);
    }

    [TestMethod]
    public void CpuR18Config()
    {
        var cfg = Load("CPU/faster_rcnn_R_18_FPN_cpu.yaml");
        Assert.AreEqual(18, cfg.Model.ResNets.Depth);
        Assert.AreEqual(64, cfg.Model.ResNets.Res2OutChannels);  // detectron2 asserts this for R18/R34
        Assert.AreEqual(1, cfg.Model.ResNets.Res5Dilation);
        Assert.AreEqual("", cfg.Model.Weights);
        Assert.AreEqual("cpu", cfg.Model.Device);
        Assert.AreNotEqual("FrozenBN", cfg.Model.ResNets.Norm);     // from scratch: statistics must train
        Assert.AreEqual(2, cfg.Solver.ImsPerBatch);
        Assert.AreEqual(0.02, cfg.Solver.BaseLr);
        Assert.AreEqual(128, cfg.Model.RoiHeads.BatchSizePerImage);
        Assert.AreEqual(512, cfg.Input.MinSizeTest);
        Assert.IsTrue(cfg.Solver.MaxIter is >= 1000 and <= 10000);
        Assert.IsTrue(cfg.Solver.Steps.All(s => s < cfg.Solver.MaxIter));
        Assert.IsTrue(cfg.Model.Rpn.PostNmsTopkTrain < 1000 && cfg.Model.Rpn.PreNmsTopkTest < 1000);
        Assert.AreEqual("FastRCNNConvFCHead", cfg.Model.RoiBoxHead.Name);   // inherited from Base-RCNN-FPN
        var smoke = Load("CPU/faster_rcnn_R_18_FPN_cpu_smoke.yaml");
        Assert.AreEqual(18, smoke.Model.ResNets.Depth);                     // through two _BASE_ levels
        Assert.AreEqual(50, smoke.Solver.MaxIter);
    }
}
