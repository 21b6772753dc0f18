using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Layers;

[TestClass]
public class RoiAlignTests
{
    /// <summary>1 x 1 x 3 x 3 map with v[y, x] = x^2 + y^2: rows (0 1 4), (1 2 5), (4 5 8).</summary>
    private static Tensor Map(bool requiresGrad = false)
    {
        var v = new float[9];
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++) v[y * 3 + x] = x * x + y * y;
        return tensor(v).reshape(1, 1, 3, 3).requires_grad_(requiresGrad);
    }

    private static float Pool(float x0, float y0, float x1, float y1, bool aligned, int sampling) =>
        RoiAlign.Apply(Map(), tensor(new[] { 0f, x0, y0, x1, y1 }).reshape(1, 5), (1, 1), 1.0, sampling, aligned).item<float>();

    [TestMethod]
    public void SingleSampleIsTheBilinearValue()
    {
        // Legacy: ROI 1 x 1 at (0.5, 0.25), one sample at its centre (x 1.0, y 0.75):
        // 0.25 * v[0,1] + 0.75 * v[1,1] = 0.25 * 1 + 0.75 * 2 = 1.75.
        Assert.AreEqual(1.75f, Pool(0.5f, 0.25f, 1.5f, 1.25f, aligned: false, sampling: 1), 1e-6f);
        // Aligned shifts by half a pixel: the same sample from the ROI (1.0, 0.75)-(2.0, 1.75).
        Assert.AreEqual(1.75f, Pool(1.0f, 0.75f, 2.0f, 1.75f, aligned: true, sampling: 1), 1e-6f);
    }

    [TestMethod]
    public void SamplesAreAveraged()
    {
        // ROI (0,0)-(2,2), 2 x 2 samples at 0.5 and 1.5 per axis. The map is f(x) + f(y) with f interpolated
        // as f(0.5) = (0 + 1) / 2 = 0.5 and f(1.5) = (1 + 4) / 2 = 2.5, so the mean is 1.5 + 1.5 = 3.
        Assert.AreEqual(3f, Pool(0, 0, 2, 2, aligned: false, sampling: 2), 1e-6f);
        // Adaptive sampling gives ceil(2 / 1) = 2 samples per axis here too.
        Assert.AreEqual(3f, Pool(0, 0, 2, 2, aligned: false, sampling: 0), 1e-6f);
    }

    [TestMethod]
    public void BordersFollowTorchvision()
    {
        // Sample at y = 3.75 > H = 3: contributes 0.
        Assert.AreEqual(0f, Pool(0.5f, 3.25f, 1.5f, 4.25f, aligned: false, sampling: 1));
        // Sample at y = 2.5 in (H - 1, H]: clamped to row 2, so v[2,1] = 5.
        Assert.AreEqual(5f, Pool(0.5f, 2f, 1.5f, 3f, aligned: false, sampling: 1), 1e-6f);
        // Sample at y = -0.75 in [-1, 0): clamped to row 0, so v[0,1] = 1.
        Assert.AreEqual(1f, Pool(0.5f, -1.25f, 1.5f, -0.25f, aligned: false, sampling: 1), 1e-6f);
        // Aligned zero-size ROI: no samples at all (grid ceil(0) = 0), output 0.
        Assert.AreEqual(0f, Pool(1f, 1f, 1f, 1f, aligned: true, sampling: 0));
    }

    [TestMethod]
    public void GradientSpreadsTheBilinearWeights()
    {
        // d(sum)/d(input) for the single sample at (x 1.0, y 0.75): 0.25 to v[0,1], 0.75 to v[1,1].
        var x = Map(requiresGrad: true);
        var pooled = new RoiAlign(1, 1.0, 1, aligned: false).call(x, tensor(new[] { 0f, 0.5f, 0.25f, 1.5f, 1.25f }).reshape(1, 5));
        Assert.IsTrue(pooled.requires_grad);
        pooled.sum().backward();
        var expected = new float[9];
        expected[1] = 0.25f;
        expected[4] = 0.75f;
        CollectionAssert.AreEqual(expected, x.grad!.data<float>().ToArray());
    }

    [TestMethod]
    public void BadArgumentsAreRejected()
    {
        var rois = tensor(new[] { 0f, 0, 0, 1, 1 }).reshape(1, 5);
        Assert.ThrowsExactly<ArgumentException>(() => RoiAlign.Apply(zeros(3, 3), rois, (2, 2), 1, 0, true));
        Assert.ThrowsExactly<ArgumentException>(() => RoiAlign.Apply(zeros(1, 1, 3, 3), zeros(1, 4), (2, 2), 1, 0, true));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => RoiAlign.Apply(zeros(1, 1, 3, 3), tensor(new[] { 1f, 0, 0, 1, 1 }).reshape(1, 5), (2, 2), 1, 0, true));
        StringAssert.Contains(ex.Message, "batch index");
        Assert.ThrowsExactly<ArgumentException>(() => new RoiAlign(0, 1, 0));
    }

    [TestMethod]
    public void EmptyRoisGiveAnEmptyOutput()
    {
        var output = RoiAlign.Apply(zeros(2, 3, 5, 5), zeros(0, 5), (7, 7), 0.25, 0, true);
        CollectionAssert.AreEqual(new long[] { 0, 3, 7, 7 }, output.shape);
    }

    [TestMethod]
    public void MatchesTorchvisionForwardAndInputGradient()
    {
        using var doc = OpsFixture.Load("roi_align");
        var root = doc.RootElement;
        var shape = OpsFixture.Longs(root.GetProperty("input_shape"));
        var input = OpsFixture.Floats(root.GetProperty("input"));
        int cases = 0;
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            using var scope = NewDisposeScope();
            bool aligned = c.GetProperty("aligned").GetBoolean();
            int sampling = c.GetProperty("sampling_ratio").GetInt32();
            int output = c.GetProperty("output_size").GetInt32();
            double scale = c.GetProperty("spatial_scale").GetDouble();
            string what = $"aligned={aligned} sampling={sampling} out={output} scale={scale}";

            var x = tensor(input).reshape(shape).requires_grad_(true);
            var rois = tensor(OpsFixture.Floats(c.GetProperty("rois"))).reshape(-1, 5);
            var y = new RoiAlign(output, scale, sampling, aligned).call(x, rois);
            var expectedOut = OpsFixture.Floats(c.GetProperty("output"));
            Assert.IsLessThanOrEqualTo(1e-5f, OpsFixture.MaxAbsDiff(expectedOut, y.detach().reshape(-1).data<float>().ToArray(), what));

            // Same weights as the generator: w[i] = ((i * 7919) % 23 - 11) / 8.
            var w = tensor(Enumerable.Range(0, (int)y.numel()).Select(i => (float)((i * 7919L % 23 - 11) / 8.0)).ToArray()).reshape(y.shape);
            (y * w).sum().backward();
            var expectedGrad = OpsFixture.Floats(c.GetProperty("grad"));
            Assert.IsLessThanOrEqualTo(1e-4f, OpsFixture.MaxAbsDiff(expectedGrad, x.grad!.reshape(-1).data<float>().ToArray(), what + " grad"));
            cases++;
        }
        Assert.AreEqual(10, cases);
    }
}
