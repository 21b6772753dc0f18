using System.Text.Json;
using Rcnn.Training.Checkpoint;
using Rcnn.Training.Config;
using Rcnn.Training.Engine;
using Rcnn.Training.Modeling.MetaArch;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Checkpoint;

/// <summary>
/// detectron2 model-zoo pickles (tools/fixtures/detectron2_pickle.py): a Caffe2 MSRA trunk written as Python 2's
/// cPickle writes it and a detectron2-format file written by Python 3, against what Python's own pickle reads from them
/// (tests/fixtures/detectron2_pickles.json); and detectron2's COCO R-50 config loading its
/// detectron2://ImageNetPretrained/MSRA/R-50.pkl from detectron2's download cache.
/// </summary>
[TestClass]
public class Detectron2PickleTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures");

    private static JsonElement Expected(string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "detectron2_pickles.json"))).RootElement.GetProperty(file);

    private static void AssertTensor(JsonElement expected, Tensor actual, string what)
    {
        CollectionAssert.AreEqual(expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(), actual.shape, what);
        var values = actual.to_type(ScalarType.Float64).flatten();
        Assert.AreEqual(expected.GetProperty("sum").GetDouble(), values.sum().item<double>(), 1e-3, what);
        var first = expected.GetProperty("first").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (int i = 0; i < first.Length; i++) Assert.AreEqual(first[i], values[i].item<double>(), 1e-7, $"{what}[{i}]");
    }

    [TestMethod]
    public void ACaffe2TrunkIsRenamedAndItsAffineChannelsBecomeExactFrozenBatchNorms()
    {
        using var scope = NewDisposeScope();
        var weights = Detectron2Pickle.Read(Path.Combine(Fixtures, "detectron2_msra_stem_res2.pkl"), out bool caffe2, out var leftOut);
        Assert.IsTrue(caffe2);
        // Solver momenta and weight_order are dropped without a word, as detectron2 drops them.
        CollectionAssert.AreEquivalent(new[] { "fc1000_w", "fc1000_b" }, leftOut);
        var expected = Expected("detectron2_msra_stem_res2.pkl");
        AssertTensor(expected.GetProperty("conv1_w"), weights["stem.conv1.weight"], "conv1_w");
        AssertTensor(expected.GetProperty("res2_0_branch2b_w"), weights["res2.0.conv2.weight"], "res2_0_branch2b_w");
        AssertTensor(expected.GetProperty("res2_0_branch1_bn_s"), weights["res2.0.shortcut.norm.weight"], "res2_0_branch1_bn_s");
        AssertTensor(expected.GetProperty("res2_2_branch2c_bn_b"), weights["res2.2.conv3.norm.bias"], "res2_2_branch2c_bn_b");
        // stem + 3 blocks x 3 convs + 1 projection = 11 convs: a weight, scale and bias each, plus mean and variance.
        Assert.AreEqual(11 * 5, weights.Count);
        // s * x + b exactly: FrozenBatchNorm2d scales by weight / sqrt(running_var + 1e-5).
        var bn = new Rcnn.Training.Layers.FrozenBatchNorm2d(256);
        StateDictLoader.Load(bn, new Dictionary<string, Tensor>
        {
            ["weight"] = weights["res2.0.shortcut.norm.weight"], ["bias"] = weights["res2.0.shortcut.norm.bias"],
            ["running_mean"] = weights["res2.0.shortcut.norm.running_mean"], ["running_var"] = weights["res2.0.shortcut.norm.running_var"],
        }, strict: true);
        var x = randn(1, 256, 3, 3);
        var affine = x * weights["res2.0.shortcut.norm.weight"].view(1, -1, 1, 1) + weights["res2.0.shortcut.norm.bias"].view(1, -1, 1, 1);
        Assert.IsTrue((bn.call(x) - affine).abs().max().item<float>() < 1e-5f);
    }

    [TestMethod]
    public void ADetectron2ModelZooFileKeepsItsNames()
    {
        using var scope = NewDisposeScope();
        var weights = Detectron2Pickle.Read(Path.Combine(Fixtures, "detectron2_model_zoo.pkl"), out bool caffe2, out var leftOut);
        Assert.IsFalse(caffe2);
        Assert.AreEqual(0, leftOut.Count);
        var expected = Expected("detectron2_model_zoo.pkl");
        foreach (var name in new[] { "roi_heads.box_predictor.cls_score.weight", "roi_heads.box_predictor.cls_score.bias" })
            AssertTensor(expected.GetProperty(name), weights[name], name);
    }

    [TestMethod]
    public void APickleThatNamesCodeIsRefusedNamingIt()
    {
        // cos.system('x') as Python 2's pickle writes a call: GLOBAL, MARK, string, TUPLE, REDUCE, STOP.
        byte[] bytes = [.. "cos\nsystem\n(S'x'\ntR."u8];
        var e = Assert.ThrowsExactly<InvalidDataException>(() => PickleReader.Parse(bytes));
        StringAssert.Contains(e.Message, "the pickle names os.system");
    }

    [TestMethod]
    public void TheCocoR50ConfigLoadsItsMsraTrunkFromDetectron2sCache()
    {
        string cache = Directory.CreateTempSubdirectory("fvcore").FullName;
        string? before = Environment.GetEnvironmentVariable("FVCORE_CACHE");
        try
        {
            string target = Path.Combine(cache, "detectron2", "ImageNetPretrained", "MSRA", "R-50.pkl");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(Fixtures, "detectron2_msra_stem_res2.pkl"), target);
            Environment.SetEnvironmentVariable("FVCORE_CACHE", cache);
            string zoo = Path.Combine(Rcnn.Training.Tests.Data.DataTestFiles.RepoRoot, "models", "COCO-Detection", "faster_rcnn_R_50_FPN_1x.yaml");
            var cfg = RcnnConfig.FromFile(zoo);
            Assert.AreEqual("detectron2://ImageNetPretrained/MSRA/R-50.pkl", cfg.Model.Weights);
            using var model = GeneralizedRcnn.FromConfig(cfg);
            var lines = new List<string>();
            var report = DetectionCheckpointer.LoadWeights(model, cfg, cfg.Model.Weights, lines.Add);
            Assert.AreEqual(55, report.Loaded.Count, report.ToString());
            Assert.AreEqual(0, report.Unexpected.Count + report.ShapeMismatches.Count, report.ToString());
            Assert.IsTrue(report.Missing.Any(m => m.Name == "backbone.bottom_up.res3.0.conv1.weight"), "res3 is not in the file");
            using var scope = NewDisposeScope();
            AssertTensor(Expected("detectron2_msra_stem_res2.pkl").GetProperty("res2_1_branch2a_w"),
                model.state_dict()["backbone.bottom_up.res2.1.conv1.weight"], "res2_1_branch2a_w in the model");
            Assert.IsTrue(lines.Any(l => l.Contains("a Caffe2 ResNet trunk")), string.Join("\n", lines));
        }
        finally
        {
            Environment.SetEnvironmentVariable("FVCORE_CACHE", before);
            Directory.Delete(cache, true);
        }
    }
}
