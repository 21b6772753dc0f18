using Rcnn.Onnx.Export;
using Rcnn.Onnx.Protos;
using Rcnn.Training;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>The in-graph test-time resize against our own ResizeShortestEdge + ResizeTransform (PIL bilinear with
/// antialias and 8-bit rounding) on real BCCD images: sizes and every pixel value must be identical.</summary>
[TestClass]
public sealed class ResizeExportTests
{
    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    private static byte[] Graph(int minSize, int maxSize)
    {
        var g = new OnnxGraphBuilder("resize_test");
        var image = g.AddInput("image", TensorProto.Types.DataType.Float, 3, "h", "w");
        var o = new GraphOps(g, "resize");
        var (h, w) = ResizeExporter.TargetSize(o, o.Dim("H", image, 1), o.Dim("W", image, 2), minSize, maxSize);
        var resized = o.Cast("Out", ResizeExporter.Resize(o, image, h, w), TensorProto.Types.DataType.Float);
        g.AddOutput(resized, TensorProto.Types.DataType.Float, 3, "oh", "ow");
        return g.ToBytes();
    }

    [TestMethod]
    [DataRow(256, 427)]   // the BCCD config: shrinks 2x-ish, antialiasing taps
    [DataRow(800, 1333)]  // detectron2's default: enlarges, and MAX_SIZE_TEST caps 600x401
    public void InGraphResize_EqualsResizeTransform_Exactly(int minSize, int maxSize)
    {
        using var ort = new OrtRun(Graph(minSize, maxSize));
        foreach (var (index, h, w) in new[] { (0, 480, 640), (1, 333, 517), (2, 600, 401), (3, 256, 341) })
        {
            using var scope = NewDisposeScope();
            var source = TestImages.Sized(index, h, w);
            var expected = TestImages.ToChw(TestImages.TestResize(source, minSize, maxSize));
            var actual = ort.Run(("image", TestImages.ToChw(source))).Values.Single();
            CollectionAssert.AreEqual(expected.shape, actual.Shape, $"resized shape of {h}x{w}");
            var e = expected.data<float>().ToArray();
            int differing = e.Where((v, i) => v != actual.Floats[i]).Count();
            foreach (var i in Enumerable.Range(0, e.Length).Where(i => e[i] != actual.Floats[i]).Take(10))
                Console.WriteLine($"DIFF at {i} (c {i / (expected.shape[1] * expected.shape[2])}, y {i / expected.shape[2] % expected.shape[1]}, x {i % expected.shape[2]}): {e[i]} vs {actual.Floats[i]}");
            Assert.AreEqual(0, differing, $"{h}x{w} -> [{string.Join(", ", expected.shape)}]: {differing} of {e.Length} values differ");
        }
    }
}
