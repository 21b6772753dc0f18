using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.Backbones;

[TestClass]
public class NormTests
{
    [TestMethod]
    public void GroupNormStartsAsPlainNormalisation()
    {
        // TorchSharp 0.107 leaves GroupNorm's weight/bias uninitialised; ours must start at 1 / 0 like PyTorch's.
        using var scope = NewDisposeScope();
        var gn = Norm.Create("GN", 64)!;
        var p = gn.named_parameters().ToDictionary(t => t.name, t => t.parameter);
        Assert.IsTrue(p["weight"].eq(1).all().item<bool>());
        Assert.IsTrue(p["bias"].eq(0).all().item<bool>());
        // Hand check: each group of 2 channels x 4 x 4 values normalised to mean 0, variance 1 (biased, eps 1e-5).
        var x = randn(2, 64, 4, 4) * 3 + 5;
        var y = gn.call(x);
        var g = x.view(2, 32, -1);
        var expected = ((g - g.mean(new long[] { 2 }, keepdim: true)) / (g.var(2, unbiased: false, keepdim: true) + 1e-5).sqrt()).view(2, 64, 4, 4);
        Assert.IsTrue((y - expected).abs().max().item<float>() < 1e-4);
    }

    [TestMethod]
    public void EveryNormBuildsFiniteLayers()
    {
        using var scope = NewDisposeScope();
        foreach (var name in Norm.Supported.Where(n => n.Length > 0))
        {
            var layer = Norm.Create(name, 32)!;
            layer.eval();
            Assert.IsFalse(layer.call(randn(2, 32, 3, 3)).isnan().any().item<bool>(), name);
        }
    }
}
