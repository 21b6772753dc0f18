using Rcnn.Training.Checkpoint;
using Rcnn.Training.Config;
using Rcnn.Training.Engine;
using Rcnn.Training.Modeling.MetaArch;

namespace Rcnn.Training.Tests.Checkpoint;

/// <summary>Named MODEL.WEIGHTS: where a name is looked for, what a user is told when it is not there, and the input
/// convention the weights bring along.</summary>
[TestClass]
public class PretrainedWeightsTests
{
    private static string EmptyDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"rcnn-weights-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    [TestMethod]
    public void ResNet18ResolvesToTheFileThisBuildCopiedBesideTheTests()
    {
        string path = PretrainedWeights.Resolve("mlnet://ResNet18");
        Assert.AreEqual(Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"), path);
        Assert.AreEqual(path, PretrainedWeights.Resolve("MLNET://resnet18"), "names are case-insensitive");
    }

    [TestMethod]
    public void ResNet18IsAlsoFoundInTheNuGetPackagesFolder()
    {
        string app = EmptyDir(), packages = EmptyDir();
        var entry = PretrainedWeights.ResNet18;
        string file = Path.Combine(packages, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.24.0", "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "x");
        try
        {
            Assert.AreEqual(file, PretrainedWeights.Resolve(entry.Name, [app], [packages], []));
        }
        finally
        {
            Directory.Delete(app, true);
            Directory.Delete(packages, true);
        }
    }

    [TestMethod]
    public void AMissingPackageSaysWhichPackageAndWhereItLooked()
    {
        string app = EmptyDir(), packages = EmptyDir();
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => PretrainedWeights.Resolve("mlnet://ResNet18", [app], [packages], []));
        StringAssert.Contains(e.Message, "Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0");
        StringAssert.Contains(e.Message, Path.Combine(app, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"));
        StringAssert.Contains(e.Message, "<PackageReference Include=\"Microsoft.ML.DnnImageFeaturizer.ResNet18\" Version=\"0.24.0\" />");
        Directory.Delete(app);
        Directory.Delete(packages);
    }

    [TestMethod]
    public void AnUnknownNameListsTheKnownOnes()
    {
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => PretrainedWeights.Resolve("mlnet://ResNet50"));
        StringAssert.Contains(e.Message, "mlnet://ResNet18");
    }

    [TestMethod]
    public void Detectron2ZooFilesComeFromDetectron2sCacheOrSayWhatToDoInstead()
    {
        string cache = EmptyDir();
        const string url = "detectron2://ImageNetPretrained/MSRA/R-50.pkl";
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => PretrainedWeights.Resolve(url, [], [], [cache]));
        StringAssert.Contains(e.Message, "https://dl.fbaipublicfiles.com/detectron2/ImageNetPretrained/MSRA/R-50.pkl");
        StringAssert.Contains(e.Message, Path.Combine(cache, "detectron2", "ImageNetPretrained/MSRA/R-50.pkl"));
        StringAssert.Contains(e.Message, "mlnet://ResNet18");
        string file = Path.Combine(cache, "detectron2", "ImageNetPretrained", "MSRA", "R-50.pkl");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "x");
        Assert.AreEqual(file, PretrainedWeights.Resolve(url, [], [], [cache]));
        Directory.Delete(cache, true);
    }

    [TestMethod]
    public void ItsOverridesBuildTheTrunkAndInputsTheWeightsNeed()
    {
        var cfg = new RcnnConfig();
        cfg.MergeFromList([.. PretrainedWeights.ResNet18.ConfigOverrides()]);
        Assert.AreEqual(0, PretrainedWeights.InputMismatches(PretrainedWeights.ResNet18, cfg).Count);
        Assert.AreEqual(0, PretrainedWeights.ResNet18.Architecture.Mismatches(cfg, 4).Count,
            string.Join("; ", PretrainedWeights.ResNet18.Architecture.Mismatches(cfg, 4)));
        CollectionAssert.AreEqual(new[] { 2, 2, 2, 3 }, cfg.Model.ResNets.NumBlocksPerStage);
        Assert.AreEqual(("FrozenBN", "BGR", "mlnet://ResNet18"), (cfg.Model.ResNets.Norm, cfg.Input.Format, cfg.Model.Weights));
    }

    [TestMethod]
    public void AConfigThatFeedsOtherInputsIsRefusedBeforeAnythingLoads()
    {
        var cfg = new RcnnConfig();
        cfg.MergeFromList([.. PretrainedWeights.ResNet18.ConfigOverrides(), "INPUT.FORMAT", "RGB", "MODEL.PIXEL_STD", "[57.375, 57.12, 58.395]",
            "MODEL.BACKBONE.NAME", "build_resnet_fpn_backbone", "MODEL.RESNETS.OUT_FEATURES", "['res2', 'res3', 'res4', 'res5']",
            "MODEL.FPN.IN_FEATURES", "['res2', 'res3', 'res4', 'res5']", "MODEL.RPN.IN_FEATURES", "['p2', 'p3', 'p4', 'p5', 'p6']",
            "MODEL.ROI_HEADS.IN_FEATURES", "['p2', 'p3', 'p4', 'p5']", "MODEL.ROI_HEADS.NAME", "StandardROIHeads",
            "MODEL.ROI_BOX_HEAD.NAME", "FastRCNNConvFCHead", "MODEL.ROI_BOX_HEAD.NUM_FC", "2"]);
        using var model = GeneralizedRcnn.FromConfig(cfg);
        var e = Assert.ThrowsExactly<ConfigException>(() => DetectionCheckpointer.LoadWeights(model, cfg, cfg.Model.Weights));
        StringAssert.Contains(e.Message, "INPUT.FORMAT is \"RGB\" but mlnet://ResNet18 takes \"BGR\"");
        StringAssert.Contains(e.Message, "MODEL.PIXEL_STD is [57.375, 57.12, 58.395] but mlnet://ResNet18 takes [1, 1, 1]");
        Assert.AreEqual("INPUT.FORMAT", e.Key);
    }

    [TestMethod]
    public void NumBlocksPerStageMustBeFourPositiveCounts()
    {
        var cfg = new RcnnConfig();
        cfg.MergeFromList(["MODEL.RESNETS.DEPTH", "18", "MODEL.RESNETS.RES2_OUT_CHANNELS", "64", "MODEL.RESNETS.NUM_BLOCKS_PER_STAGE", "[2, 2, 0]"]);
        var e = Assert.ThrowsExactly<ConfigException>(() => Rcnn.Training.Modeling.Backbones.ResNet.FromConfig(cfg, new Rcnn.Training.Layers.ShapeSpec(3, 1)));
        Assert.AreEqual("MODEL.RESNETS.NUM_BLOCKS_PER_STAGE", e.Key);
        StringAssert.Contains(e.Message, "[2, 2, 0]");
    }
}
