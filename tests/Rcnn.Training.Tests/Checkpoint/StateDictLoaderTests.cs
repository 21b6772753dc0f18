using Rcnn.Training.Checkpoint;
using Rcnn.Training.Modeling.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Checkpoint;

[TestClass]
public class StateDictLoaderTests
{
    [TestMethod]
    public void ReportsMissingUnexpectedAndMisshapenByNameAndShape()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("fc", nn.Linear(3, 2)), ("head", nn.Linear(2, 1)));
        var weights = new Dictionary<string, Tensor>
        {
            ["fc.weight"] = ones(2, 3), ["fc.bias"] = ones(2),     // fits
            ["head.weight"] = ones(5, 2),                           // wrong shape
            ["extra.weight"] = ones(4),                             // not in the model
        };
        var report = StateDictLoader.Load(model, weights);
        CollectionAssert.AreEquivalent(new[] { "fc.weight", "fc.bias" }, report.Loaded.ToList());
        Assert.AreEqual("head.bias", report.Missing.Single().Name);
        Assert.AreEqual("extra.weight", report.Unexpected.Single().Name);
        Assert.AreEqual("head.weight", report.ShapeMismatches.Single().Name);
        Assert.AreEqual(1f, model.state_dict()["fc.weight"].mean().item<float>());
        string text = report.ToString();
        StringAssert.Contains(text, "head.weight model [1, 2] vs checkpoint [5, 2]");
        StringAssert.Contains(text, "extra.weight [4]");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => StateDictLoader.Load(model, weights, strict: true));
        StringAssert.Contains(e.Message, "head.bias [1]");
    }

    [TestMethod]
    public void TorchvisionResNetKeysCoverOurResNetExactly()
    {
        // Keys and shapes of torchvision's resnet18/resnet50 state dicts (tools/fixtures/checkpoint_formats.py).
        using var scope = NewDisposeScope();
        var all = TorchFixture.Load("torchvision_resnet_keys.json");
        foreach (var (arch, depth, res2) in new[] { ("resnet18", 18, 64), ("resnet50", 50, 256) })
        {
            var ours = ResNet.Build(depth, new[] { "res2", "res3", "res4", "res5" }, norm: "BN", res2OutChannels: res2,
                strideIn1x1: false, freezeAt: 0);
            var weights = new Dictionary<string, Tensor>();
            foreach (var p in all.GetProperty(arch).EnumerateObject())
            {
                string? name = TorchvisionNames.ResNet(p.Name);
                if (name is null) { Assert.IsTrue(p.Name.StartsWith("fc."), $"{arch}: {p.Name} dropped"); continue; }
                weights[name] = zeros(p.Value.EnumerateArray().Select(v => v.GetInt64()).ToArray());
            }
            var report = StateDictLoader.Load(ours, weights);
            Assert.IsTrue(report.IsComplete, $"{arch}: {report}");
        }
    }
}
