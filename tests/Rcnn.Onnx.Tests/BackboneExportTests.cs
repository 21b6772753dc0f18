using Rcnn.Training;
using Rcnn.Training.Modeling.Backbones;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>Backbone exports against the TorchSharp forward of the same module (the independent truth), each at
/// two input sizes through one file with dynamic height and width.</summary>
[TestClass]
public sealed class BackboneExportTests
{
    private static readonly string[] Res2To5 = { "res2", "res3", "res4", "res5" };

    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    [TestMethod]
    public void ResNet18Fpn_FrozenBN_SumFuse_MatchesTorch()
    {
        manual_seed(1);
        var fpn = new Fpn(ResNet.Build(18, Res2To5, "FrozenBN", res2OutChannels: 64, freezeAt: 2), Res2To5, 64,
            topBlock: new LastLevelMaxPool());
        OnnxParity.Randomize(fpn, 11);
        fpn.eval();
        OnnxParity.AssertMatches(fpn, 3, (2, 64, 96), (1, 96, 128));
    }

    [TestMethod]
    public void ResNet18Fpn_GroupNorm_AvgFuse_MatchesTorch()
    {
        manual_seed(2);
        var fpn = new Fpn(ResNet.Build(18, Res2To5, "GN", res2OutChannels: 64, freezeAt: 0), Res2To5, 64, norm: "GN",
            topBlock: new LastLevelMaxPool(), fuseType: "avg");
        OnnxParity.Randomize(fpn, 12);
        fpn.eval();
        OnnxParity.AssertMatches(fpn, 3, (2, 64, 64), (1, 128, 96));
    }

    [TestMethod]
    public void ResNet18_EvalModeBatchNorm_MatchesTorch()
    {
        manual_seed(3);
        var resnet = ResNet.Build(18, new[] { "res3", "res5" }, "BN", res2OutChannels: 64, freezeAt: 0);
        OnnxParity.Randomize(resnet, 13);
        resnet.eval();
        // Odd sizes: every strided conv and the stem's max pool must floor exactly as torch does.
        OnnxParity.AssertMatches(resnet, 3, (1, 67, 45), (2, 40, 81));
    }

    [TestMethod]
    public void BatchNormInTrainingMode_IsRejected()
    {
        var resnet = ResNet.Build(18, new[] { "res2" }, "BN", res2OutChannels: 64, freezeAt: 0);
        resnet.train();
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => BackboneOnnxExporter.Build(resnet));
        StringAssert.Contains(e.Message, "stem.conv1.norm");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void ResNet50C4_ToRes4_MatchesTorch(bool strideIn1x1)
    {
        manual_seed(strideIn1x1 ? 4 : 5);
        var resnet = ResNet.Build(50, new[] { "res4" }, "FrozenBN", strideIn1x1: strideIn1x1, freezeAt: 2);
        OnnxParity.Randomize(resnet, strideIn1x1 ? 14 : 15);
        resnet.eval();
        OnnxParity.AssertMatches(resnet, 3, (1, 70, 90), (1, 97, 64));
    }

    [TestMethod]
    public void GroupedDilatedBottleneck_MatchesTorch()
    {
        // A narrow ResNeXt-style R50 (2 groups) with res5 dilation 2: exercises group and dilation attributes.
        manual_seed(6);
        var resnet = ResNet.Build(50, new[] { "res3", "res5" }, "FrozenBN", stemOutChannels: 16, res2OutChannels: 64,
            numGroups: 2, widthPerGroup: 8, strideIn1x1: false, res5Dilation: 2, freezeAt: 0);
        OnnxParity.Randomize(resnet, 16);
        resnet.eval();
        OnnxParity.AssertMatches(resnet, 3, (1, 64, 64), (2, 80, 48));
    }
}
