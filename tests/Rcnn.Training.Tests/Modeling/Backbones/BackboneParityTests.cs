using Rcnn.Training.Layers;
using Rcnn.Training.Modeling.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.Backbones;

/// <summary>ResNet blocks and FPN against torchvision's (tests/fixtures/backbone_blocks.json, random weights and
/// random frozen statistics), with weights renamed from torchvision's layout to detectron2's.</summary>
[TestClass]
public class BackboneParityTests
{
    private static readonly System.Text.Json.JsonElement Cases = TorchFixture.Load("backbone_blocks.json").GetProperty("cases");

    private static string TorchvisionBlockName(string name) => name
        .Replace("bn1.", "conv1.norm.").Replace("bn2.", "conv2.norm.").Replace("bn3.", "conv3.norm.")
        .Replace("downsample.0.", "shortcut.").Replace("downsample.1.", "shortcut.norm.");

    [TestMethod]
    public void StemMatchesTorchvision()
    {
        using var scope = NewDisposeScope();
        var c = Cases.GetProperty("stem");
        var stem = new BasicStem(3, 8, "FrozenBN");
        TorchFixture.LoadWeights(stem, c.GetProperty("weights"), TorchvisionBlockName);
        using var _ = no_grad();
        var y = stem.call(TorchFixture.Tensor(c.GetProperty("input")));
        TorchFixture.AssertClose(TorchFixture.Tensor(c.GetProperty("output")), y, 1e-5, "stem");
    }

    [TestMethod]
    public void BasicBlockMatchesTorchvision()
    {
        using var scope = NewDisposeScope();
        var c = Cases.GetProperty("basic_block");
        var block = new BasicBlock(8, 16, stride: 2, norm: "FrozenBN");
        TorchFixture.LoadWeights(block, c.GetProperty("weights"), TorchvisionBlockName);
        using var _ = no_grad();
        var y = block.call(TorchFixture.Tensor(c.GetProperty("input")));
        TorchFixture.AssertClose(TorchFixture.Tensor(c.GetProperty("output")), y, 1e-5, "basic block");
    }

    [TestMethod]
    public void BottleneckWithStrideOn3x3MatchesTorchvision()
    {
        using var scope = NewDisposeScope();
        var c = Cases.GetProperty("bottleneck_block");
        var block = new BottleneckBlock(8, 16, bottleneckChannels: 4, stride: 2, norm: "FrozenBN", strideIn1x1: false);
        TorchFixture.LoadWeights(block, c.GetProperty("weights"), TorchvisionBlockName);
        using var _ = no_grad();
        var x = TorchFixture.Tensor(c.GetProperty("input"));
        TorchFixture.AssertClose(TorchFixture.Tensor(c.GetProperty("output")), block.call(x), 1e-5, "bottleneck");

        // The same weights with the stride on the 1x1 conv (MSRA layout) compute something else: the flag matters.
        var msra = new BottleneckBlock(8, 16, bottleneckChannels: 4, stride: 2, norm: "FrozenBN", strideIn1x1: true);
        TorchFixture.LoadWeights(msra, c.GetProperty("weights"), TorchvisionBlockName);
        double diff = (msra.call(x) - block.call(x)).abs().max().item<float>();
        Assert.IsTrue(diff > 1e-3, $"STRIDE_IN_1X1 changed nothing (diff {diff})");
    }

    [TestMethod]
    public void FpnMatchesTorchvisionIncludingP6()
    {
        using var scope = NewDisposeScope();
        var c = Cases.GetProperty("fpn");
        var inputs = new Dictionary<string, Tensor>();
        foreach (var p in c.GetProperty("inputs").EnumerateObject()) inputs[p.Name] = TorchFixture.Tensor(p.Value);
        var fpn = new Fpn(new GivenFeatures(inputs), new[] { "res2", "res3", "res4", "res5" }, 8, topBlock: new LastLevelMaxPool());
        TorchFixture.LoadWeights(fpn, c.GetProperty("weights"), name =>
        {
            var parts = name.Split('.');   // inner_blocks.{i}.0.weight / layer_blocks.{i}.0.weight
            int stage = int.Parse(parts[1]) + 2;
            return (parts[0] == "inner_blocks" ? $"fpn_lateral{stage}" : $"fpn_output{stage}") + "." + parts[3];
        });
        using var _ = no_grad();
        var outputs = fpn.call(zeros(1, 3, 64, 96));
        CollectionAssert.AreEqual(new[] { "p2", "p3", "p4", "p5", "p6" }, outputs.Keys.ToArray());
        foreach (var p in c.GetProperty("outputs").EnumerateObject())
            TorchFixture.AssertClose(TorchFixture.Tensor(p.Value), outputs[p.Name], 1e-5, p.Name);
        Assert.AreEqual(32, fpn.SizeDivisibility);
        Assert.AreEqual(new ShapeSpec(8, 64), fpn.OutputShape()["p6"]);
    }

    /// <summary>A bottom-up "backbone" that returns fixed maps, to test FPN in isolation.</summary>
    private sealed class GivenFeatures : Rcnn.Training.Modeling.Backbones.Backbone
    {
        private readonly Dictionary<string, Tensor> features;

        public GivenFeatures(Dictionary<string, Tensor> features) : base(nameof(GivenFeatures)) => this.features = features;

        public override IReadOnlyDictionary<string, ShapeSpec> OutputShape() =>
            features.Select((kv, i) => (kv.Key, new ShapeSpec((int)kv.Value.shape[1], 4 << i)))
                .ToDictionary(t => t.Key, t => t.Item2);

        public override Dictionary<string, Tensor> forward(Tensor x) => features;
    }
}
