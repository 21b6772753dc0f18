using Rcnn.Training.Layers;
using Rcnn.Training.Modeling.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.Backbones;

[TestClass]
public class ResNetTests
{
    [TestMethod]
    public void FrozenBatchNormStartsAsExactIdentity()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 5, 3, 4);
        var y = new FrozenBatchNorm2d(5).call(x);
        Assert.AreEqual(0.0, (y - x).abs().max().item<float>(), 1e-7);
    }

    [TestMethod]
    public void FrozenBatchNormAppliesStatisticsLikeEvalBatchNorm()
    {
        using var scope = NewDisposeScope();
        var bn = nn.BatchNorm2d(3);
        using (no_grad())
        {
            bn.weight!.copy_(tensor(new[] { 1.5f, -2f, 0.5f }));
            bn.bias!.copy_(tensor(new[] { 0.1f, 0.2f, -0.3f }));
            bn.running_mean!.copy_(tensor(new[] { 1f, -1f, 2f }));
            bn.running_var!.copy_(tensor(new[] { 4f, 0.25f, 9f }));
        }
        bn.eval();
        var x = randn(2, 3, 4, 4);
        var frozen = FrozenBatchNorm2d.FromBatchNorm(bn);
        TorchFixture.AssertClose(bn.call(x), frozen.call(x), 1e-6, "frozen vs eval BN");
        // Hand check, channel 0: (x - 1) / sqrt(4 + 1e-5) * 1.5 + 0.1.
        float x0 = x[0, 0, 0, 0].item<float>();
        Assert.AreEqual((x0 - 1) / Math.Sqrt(4 + 1e-5) * 1.5 + 0.1, frozen.call(x)[0, 0, 0, 0].item<float>(), 1e-5);
    }

    [TestMethod]
    public void R50OutputsHaveDetectron2ChannelsAndStrides()
    {
        using var scope = NewDisposeScope();
        var r50 = ResNet.Build(50, new[] { "res2", "res3", "res4", "res5" });
        var shapes = r50.OutputShape();
        Assert.AreEqual(new ShapeSpec(256, 4), shapes["res2"]);
        Assert.AreEqual(new ShapeSpec(512, 8), shapes["res3"]);
        Assert.AreEqual(new ShapeSpec(1024, 16), shapes["res4"]);
        Assert.AreEqual(new ShapeSpec(2048, 32), shapes["res5"]);
        // 3 + 4 + 6 + 3 bottlenecks; the first block of each stage has a projection shortcut.
        var keys = r50.state_dict().Keys.ToHashSet();
        Assert.IsTrue(keys.Contains("res5.2.conv3.norm.running_var"));
        Assert.IsFalse(keys.Contains("res5.3.conv1.weight"));
        Assert.IsTrue(keys.Contains("res2.0.shortcut.weight"));
        Assert.IsFalse(keys.Contains("res2.1.shortcut.weight"));
        // Conv weights of the R-50 trunk: torchvision resnet50 has 25,557,032 parameters, minus the fc (2,049,000)
        // and the 2 x 26,560 BatchNorm affine parameters.
        long convParams = r50.named_parameters().Where(p => !p.name.Contains(".norm.")).Sum(p => p.parameter.numel());
        Assert.AreEqual(23_454_912L, convParams);
    }

    [TestMethod]
    public void R18ForwardGivesStridedMapsAndStopsAtDeepestOutput()
    {
        using var scope = NewDisposeScope();
        var r18 = ResNet.Build(18, new[] { "res3", "res4" }, norm: "BN", res2OutChannels: 64, freezeAt: 0);
        Assert.IsFalse(r18.state_dict().Keys.Any(k => k.StartsWith("res5")), "res5 is not needed and must not be built");
        using var _ = no_grad();
        r18.eval();
        var outputs = r18.call(randn(1, 3, 64, 96));
        CollectionAssert.AreEqual(new long[] { 1, 128, 8, 12 }, outputs["res3"].shape);
        CollectionAssert.AreEqual(new long[] { 1, 256, 4, 6 }, outputs["res4"].shape);
    }

    [TestMethod]
    public void FreezeAtTwoFreezesStemAndRes2Only()
    {
        using var scope = NewDisposeScope();
        var r18 = ResNet.Build(18, new[] { "res2", "res3" }, norm: "BN", res2OutChannels: 64, freezeAt: 2);
        foreach (var (name, p) in r18.named_parameters())
            Assert.AreEqual(!(name.StartsWith("stem.") || name.StartsWith("res2.")), p.requires_grad, name);
        // Frozen stages hold FrozenBatchNorm2d (no running-stat updates); res3 keeps trainable BN.
        var norms = r18.named_modules().Where(m => m.name.EndsWith(".norm")).ToDictionary(m => m.name, m => m.module);
        Assert.IsInstanceOfType<FrozenBatchNorm2d>(norms["stem.conv1.norm"]);
        Assert.IsInstanceOfType<FrozenBatchNorm2d>(norms["res2.1.conv2.norm"]);
        Assert.IsInstanceOfType<BatchNorm2d>(norms["res3.0.conv1.norm"]);
    }

    [TestMethod]
    public void DilatedRes5KeepsStride16()
    {
        using var scope = NewDisposeScope();
        var r50 = ResNet.Build(50, new[] { "res5" }, res5Dilation: 2);
        Assert.AreEqual(new ShapeSpec(2048, 16), r50.OutputShape()["res5"]);
    }

    [TestMethod]
    public void BadArgumentsAreNamed()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => ResNet.Build(42, new[] { "res4" }));
        StringAssert.Contains(e.Message, "42");
        e = Assert.ThrowsExactly<ArgumentException>(() => ResNet.Build(18, new[] { "res4" }));
        StringAssert.Contains(e.Message, "RES2_OUT_CHANNELS");
        e = Assert.ThrowsExactly<ArgumentException>(() => ResNet.Build(50, new[] { "res6" }));
        StringAssert.Contains(e.Message, "res6");
        e = Assert.ThrowsExactly<ArgumentException>(() => Norm.Create("LN", 8));
        StringAssert.Contains(e.Message, "LN");
    }
}
