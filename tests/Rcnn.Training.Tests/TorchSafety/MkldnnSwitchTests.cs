using static TorchSharp.torch;

namespace Rcnn.Training.Tests.TorchSafety;

[TestClass]
public class MkldnnSwitchTests
{
    // libtorch enables oneDNN by default; the switch writes at::Context's flag and reads it back through libtorch's own
    // getter. Whatever the state on entry, it is restored, so the rest of the suite runs as configured.
    [TestMethod]
    public void FlipsLibtorchsFlagAndRestoresIt()
    {
        bool before = TorchRuntime.IsMkldnnEnabled;
        try
        {
            TorchRuntime.SetMkldnnEnabled(!before);
            Assert.AreEqual(!before, TorchRuntime.IsMkldnnEnabled);
            TorchRuntime.SetMkldnnEnabled(before);
            Assert.AreEqual(before, TorchRuntime.IsMkldnnEnabled);
            TorchRuntime.SetMkldnnEnabled(false);
            Assert.IsFalse(TorchRuntime.IsMkldnnEnabled);
            TorchRuntime.SetMkldnnEnabled(true);
            Assert.IsTrue(TorchRuntime.IsMkldnnEnabled);
        }
        finally
        {
            TorchRuntime.SetMkldnnEnabled(before);
        }
        Assert.AreEqual(before, TorchRuntime.IsMkldnnEnabled);
    }

    // The flag must reach the convolution dispatcher: with oneDNN off, a float32 conv runs libtorch's own im2col+GEMM
    // kernel, whose summation order differs from oneDNN's, so the outputs agree closely but not bit for bit.
    [TestMethod]
    public void ConvolutionTakesAnotherKernelWhenOff()
    {
        bool before = TorchRuntime.IsMkldnnEnabled;
        using var _ = NewDisposeScope();
        var gen = new TorchSharp.torch.Generator(7);
        var x = randn([1, 64, 56, 56], generator: gen);
        var w = randn([64, 64, 3, 3], generator: gen);
        try
        {
            TorchRuntime.SetMkldnnEnabled(true);
            var on = nn.functional.conv2d(x, w, padding: [1, 1]);
            TorchRuntime.SetMkldnnEnabled(false);
            var off = nn.functional.conv2d(x, w, padding: [1, 1]);
            double diff = on.sub(off).abs().max().item<float>();
            Assert.IsTrue(diff > 0 && diff < 1e-3, $"max |oneDNN - native| = {diff:g3}");
        }
        finally
        {
            TorchRuntime.SetMkldnnEnabled(before);
        }
    }
}
