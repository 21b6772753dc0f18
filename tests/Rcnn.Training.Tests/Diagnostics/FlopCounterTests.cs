using Rcnn.Training.Diagnostics;
using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Diagnostics;

/// <summary>The FLOP counter behind the model benchmark's "FLOP floor", on layers small enough to count by hand.</summary>
[TestClass]
public class FlopCounterTests
{
    /// <summary>A grouped conv (our detectron2-style layer), a plain conv, then a fully-connected layer called twice.</summary>
    private sealed class Tiny : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2dWithNorm grouped = new(4, 8, 3, stride: 2, padding: 1, groups: 2, relu: true);
        private readonly TorchSharp.Modules.Conv2d plain = nn.Conv2d(8, 6, 1);
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(6 * 3 * 3, 5);

        public Tiny() : base(nameof(Tiny)) => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            var flat = plain.call(grouped.call(x)).flatten(1);
            return fc.call(flat) + fc.call(flat);
        }
    }

    [TestMethod]
    public void CountsConvAndFcLayersAsComputedByHand()
    {
        TorchRuntime.EnsureLoaded();
        using var model = new Tiny();
        using var counter = new FlopCounter(model);
        using (no_grad()) model.call(randn(2, 4, 5, 5)).Dispose();

        // Input 2x4x5x5. grouped: 3x3, stride 2, pad 1 -> 2x8x3x3; each output value sums 4/2 * 3*3 = 18 products:
        //   2 * 18 * 8 * 3*3 * 2 images = 5184.
        // plain: 1x1, 8 -> 6 channels on 3x3: 2 * 8 * 6 * 9 * 2 images = 1728.
        // fc: 54 -> 5 on 2 rows, called twice: 2 * 54 * 5 * 2 * 2 = 2160.
        Assert.AreEqual(5184 + 1728, counter.ConvFlops);
        Assert.AreEqual(2160, counter.FcFlops);
        Assert.AreEqual(5184, counter.ByLayer["grouped"]);
        Assert.AreEqual(1728, counter.ByLayer["plain"]);
        Assert.AreEqual(5184 + 1728, counter.FlopsUnder("g") + counter.FlopsUnder("p"));

        counter.Reset();
        Assert.AreEqual(0, counter.TotalFlops);
        counter.Dispose();
        using (no_grad()) model.call(randn(2, 4, 5, 5)).Dispose();
        Assert.AreEqual(0, counter.TotalFlops, "hooks are removed on Dispose");
    }

    [TestMethod]
    public void ModelWithoutCountableLayersIsRejected()
    {
        TorchRuntime.EnsureLoaded();
        using var relu = nn.ReLU();
        var e = Assert.ThrowsExactly<ArgumentException>(() => new FlopCounter(relu));
        StringAssert.Contains(e.Message, "ReLU");
    }
}
