using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling;
using Rcnn.Training.Modeling.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.Backbones;

[TestClass]
public class BackboneFromConfigTests
{
    private static string Model(string relative) => Path.Combine(AppContext.BaseDirectory, "models", relative);

    [TestMethod]
    public void R50FpnFromTheModelZooConfigHasP2ToP6()
    {
        using var scope = NewDisposeScope();
        var cfg = RcnnConfig.FromFile(Model("COCO-Detection/faster_rcnn_R_50_FPN_1x.yaml"));
        var fpn = (Fpn)ModelRegistries.Default.BuildBackbone(cfg);
        var shapes = fpn.OutputShape();
        CollectionAssert.AreEqual(new[] { "p2", "p3", "p4", "p5", "p6" }, shapes.Keys.ToArray());
        CollectionAssert.AreEqual(new[] { 4, 8, 16, 32, 64 }, shapes.Values.Select(s => s.Stride).ToArray());
        Assert.IsTrue(shapes.Values.All(s => s.Channels == 256));
        Assert.AreEqual(32, fpn.SizeDivisibility);
        // FREEZE_AT 2 and FrozenBN (detectron2's defaults): stem and res2 frozen, res3 trainable.
        var grads = fpn.named_parameters().ToDictionary(p => p.name, p => p.parameter.requires_grad);
        Assert.IsFalse(grads["bottom_up.res2.0.conv1.weight"]);
        Assert.IsTrue(grads["bottom_up.res3.0.conv1.weight"]);
        Assert.IsTrue(grads["fpn_lateral2.weight"]);
    }

    [TestMethod]
    public void C4ConfigBuildsAPlainResNetToRes4()
    {
        using var scope = NewDisposeScope();
        var cfg = RcnnConfig.FromFile(Model("COCO-Detection/faster_rcnn_R_50_C4_1x.yaml"));
        var resnet = (ResNet)ModelRegistries.Default.BuildBackbone(cfg);
        Assert.AreEqual(new ShapeSpec(1024, 16), resnet.OutputShape()["res4"]);
        Assert.AreEqual(0, resnet.SizeDivisibility);
        Assert.IsFalse(resnet.state_dict().Keys.Any(k => k.StartsWith("res5")));
    }

    [TestMethod]
    public void CpuConfigBuildsAndRunsAForward()
    {
        using var scope = NewDisposeScope();
        var cfg = RcnnConfig.FromFile(Model("CPU/faster_rcnn_R_18_FPN_cpu.yaml"));
        var fpn = (Fpn)ModelRegistries.Default.BuildBackbone(cfg);
        fpn.eval();
        using var _ = no_grad();
        var outputs = fpn.call(randn(1, 3, 64, 96));
        CollectionAssert.AreEqual(new long[] { 1, cfg.Model.Fpn.OutChannels, 16, 24 }, outputs["p2"].shape);
        CollectionAssert.AreEqual(new long[] { 1, cfg.Model.Fpn.OutChannels, 1, 2 }, outputs["p6"].shape);
    }

    [TestMethod]
    public void DeformableConvolutionIsRefusedByKey()
    {
        var cfg = new RcnnConfig();
        cfg.MergeFromList(new[] { "MODEL.RESNETS.DEFORM_ON_PER_STAGE", "[False, True, True, True]" });
        var e = Assert.ThrowsExactly<ConfigException>(() => ResNet.FromConfig(cfg, new ShapeSpec(3)));
        StringAssert.Contains(e.Message, "DEFORM_ON_PER_STAGE");
    }
}
