using Rcnn.Training.Modeling.AnchorGenerators;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling;

[TestClass]
public class AnchorGeneratorTests
{
    // sqrt(32^2 / 0.5) = sqrt(2048) = 45.2548..., half of it 22.6274...; 0.5 * that = 11.3137... (no rounding).
    private const double HalfLong = 22.627416997969522, HalfShort = 11.313708498984761;

    private static DefaultAnchorGenerator Make(double[][] sizes, double[][] ratios, int[] strides, double offset = 0) =>
        new(sizes, ratios, strides, offset);

    private static double[] Values(Tensor t) => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    private static Tensor Feature(long h, long w) => zeros(2, 3, h, w);

    [TestMethod]
    public void CellAnchorsForSize32AndThreeRatios()
    {
        // ratio h/w 0.5: w = sqrt(1024 / 0.5) = 45.25, h = 22.63; ratio 1: 32 x 32; ratio 2: 22.63 x 45.25.
        using var gen = Make([[32]], [[0.5, 1, 2]], [16]);
        double[] expected =
        [
            -HalfLong, -HalfShort, HalfLong, HalfShort,
            -16, -16, 16, 16,
            -HalfShort, -HalfLong, HalfShort, HalfLong,
        ];
        CollectionAssert.AreEqual(new[] { 3 }, gen.NumCellAnchors.ToArray());
        Assert.AreEqual(4, gen.BoxDim);
        AssertClose(expected, Values(gen.CellAnchors(0)), 1e-5);

        // On a 1x1 map with offset 0 the only grid shift is (0, 0), so Forward returns the cell anchors themselves.
        using var f = Feature(1, 1);
        var anchors = gen.Forward([f]);
        Assert.AreEqual(1, anchors.Count);
        AssertClose(expected, Values(anchors[0].Tensor), 1e-5);
    }

    [TestMethod]
    public void SizesAreTheOuterLoopAndRatiosTheInner()
    {
        // Order (32, 0.5), (32, 1), (64, 0.5), (64, 1): widths 45.25, 32, 90.51, 64.
        using var gen = Make([[32, 64]], [[0.5, 1]], [8]);
        var cell = gen.CellAnchors(0);
        var widths = Values(cell[.., 2] - cell[.., 0]);
        AssertClose([4 * HalfLong / 2, 32, 4 * HalfLong, 64], widths, 1e-4);
        var areas = Values((cell[.., 2] - cell[.., 0]) * (cell[.., 3] - cell[.., 1]));
        AssertClose([1024, 1024, 4096, 4096], areas, 1e-2);
    }

    [TestMethod]
    public void OddFeatureSizeWithoutOffset()
    {
        // 3 x 5 map at stride 16, one 32 x 32 anchor: anchor i sits at x = 16 (i % 5), y = 16 (i / 5).
        // First (0, 0) -> (-16, -16, 16, 16); last (x 64, y 32) -> (48, 16, 80, 48).
        using var gen = Make([[32]], [[1]], [16]);
        using var f = Feature(3, 5);
        var a = gen.Forward([f])[0].Tensor;
        CollectionAssert.AreEqual(new long[] { 15, 4 }, a.shape);
        AssertClose([-16, -16, 16, 16], Values(a[0]), 1e-6);
        AssertClose([48, 16, 80, 48], Values(a[14]), 1e-6);
        AssertGrid(a, height: 3, width: 5, numCell: 1, stride: 16, offset: 0, cell: [-16, -16, 16, 16]);
    }

    [TestMethod]
    public void OddFeatureSizeWithHalfOffset()
    {
        // Offset 0.5 moves the centres to 8 + 16 i: first centre (8, 8) -> (-8, -8, 24, 24); last (72, 40) -> (56, 24, 88, 56).
        using var gen = Make([[32]], [[1]], [16], offset: 0.5);
        using var f = Feature(3, 5);
        var a = gen.Forward([f])[0].Tensor;
        CollectionAssert.AreEqual(new long[] { 15, 4 }, a.shape);
        AssertClose([-8, -8, 24, 24], Values(a[0]), 1e-6);
        AssertClose([56, 24, 88, 56], Values(a[14]), 1e-6);
        AssertGrid(a, height: 3, width: 5, numCell: 1, stride: 16, offset: 0.5, cell: [-16, -16, 16, 16]);
    }

    [TestMethod]
    public void AnchorIndexIsFastestThenWidthThenHeight()
    {
        // 3 cell anchors on a 3 x 5 map: row r = ((y * 5) + x) * 3 + a must equal cell anchor a shifted to (16x, 16y).
        using var gen = Make([[32]], [[0.5, 1, 2]], [16]);
        using var f = Feature(3, 5);
        var a = gen.Forward([f])[0].Tensor;
        CollectionAssert.AreEqual(new long[] { 45, 4 }, a.shape);
        double[] cell =
        [
            -HalfLong, -HalfShort, HalfLong, HalfShort,
            -16, -16, 16, 16,
            -HalfShort, -HalfLong, HalfShort, HalfLong,
        ];
        AssertGrid(a, height: 3, width: 5, numCell: 3, stride: 16, offset: 0, cell);
    }

    [TestMethod]
    public void ASingleListIsUsedForEveryLevel()
    {
        using var gen = Make([[32, 64]], [[0.5, 1, 2]], [4, 8, 16]);
        CollectionAssert.AreEqual(new[] { 6, 6, 6 }, gen.NumCellAnchors.ToArray());
        var first = Values(gen.CellAnchors(0));
        for (int level = 1; level < 3; level++)
            CollectionAssert.AreEqual(first, Values(gen.CellAnchors(level)));

        // Per-level sizes with one shared ratio list, like the FPN default: each level has its own 3 anchors.
        using var fpn = Make([[32], [64]], [[0.5, 1, 2]], [4, 8]);
        CollectionAssert.AreEqual(new[] { 3, 3 }, fpn.NumCellAnchors.ToArray());
        using var f1 = Feature(4, 6);
        using var f2 = Feature(2, 3);
        var levels = fpn.Forward([f1, f2]);
        Assert.AreEqual(4 * 6 * 3, levels[0].Count);
        Assert.AreEqual(2 * 3 * 3, levels[1].Count);
        AssertClose([-16, -16, 16, 16], Values(levels[0].Tensor[1]), 1e-6);
        AssertClose([-32, -32, 32, 32], Values(levels[1].Tensor[1]), 1e-6);
    }

    [TestMethod]
    public void CountMismatchesAndBadValuesAreRejected()
    {
        var sizes = Assert.ThrowsExactly<ArgumentException>(() => Make([[32], [64]], [[1]], [4, 8, 16]));
        Assert.AreEqual("sizes", sizes.ParamName);
        var ratios = Assert.ThrowsExactly<ArgumentException>(() => Make([[32]], [[1], [2]], [4, 8, 16]));
        Assert.AreEqual("aspectRatios", ratios.ParamName);
        Assert.ThrowsExactly<ArgumentException>(() => Make([[32]], [[1]], []));
        Assert.ThrowsExactly<ArgumentException>(() => Make([[32]], [[1]], [0]));
        Assert.ThrowsExactly<ArgumentException>(() => Make([[]], [[1]], [4]));
        Assert.ThrowsExactly<ArgumentException>(() => Make([[32]], [[-1]], [4]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Make([[32]], [[1]], [4], offset: 1.0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Make([[32]], [[1]], [4], offset: -0.1));

        using var gen = Make([[32]], [[1]], [4, 8]);
        using var f = Feature(2, 2);
        Assert.ThrowsExactly<ArgumentException>(() => gen.Forward([f]));
    }

    [TestMethod]
    public void CellAnchorsAreNonPersistentBuffersThatFollowTo()
    {
        using var gen = Make([[32], [64]], [[1]], [4, 8]);
        Assert.IsTrue(gen.has_buffer("cell_anchors_0") && gen.has_buffer("cell_anchors_1"));
        Assert.AreEqual(0, gen.state_dict().Count, "derived anchors must stay out of checkpoints");

        // CPU is the only device here; a dtype change goes through the same Module.to path as a device move.
        gen.to(ScalarType.Float64);
        Assert.AreEqual(ScalarType.Float64, gen.CellAnchors(0).dtype);
        Assert.AreEqual(ScalarType.Float64, gen.CellAnchors(1).dtype);
        AssertClose([-32, -32, 32, 32], Values(gen.CellAnchors(1)), 1e-12);
        Assert.AreEqual(0, gen.state_dict().Count, "still non-persistent after the move");
        using var f = Feature(1, 2);
        var moved = gen.Forward([f, f]);
        Assert.AreEqual(ScalarType.Float64, moved[1].Tensor.dtype);
        AssertClose([-32, -32, 32, 32, -24, -32, 40, 32], Values(moved[1].Tensor), 1e-12);

        gen.to(CPU);
        Assert.AreEqual(ScalarType.Float64, gen.CellAnchors(0).dtype);
    }

    /// <summary>Checks every row against its (y, x, a) position: cell anchor a shifted by (offset + x, offset + y) * stride.</summary>
    private static void AssertGrid(Tensor anchors, int height, int width, int numCell, int stride, double offset, double[] cell)
    {
        var v = Values(anchors);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int a = 0; a < numCell; a++)
                {
                    int row = (y * width + x) * numCell + a;
                    double sx = (x + offset) * stride, sy = (y + offset) * stride;
                    double[] expected = [cell[4 * a] + sx, cell[4 * a + 1] + sy, cell[4 * a + 2] + sx, cell[4 * a + 3] + sy];
                    AssertClose(expected, v.Skip(4 * row).Take(4).ToArray(), 1e-4);
                }
    }

    private static void AssertClose(double[] expected, double[] actual, double tol)
    {
        Assert.AreEqual(expected.Length, actual.Length, "element count");
        for (int i = 0; i < actual.Length; i++)
            Assert.IsTrue(Math.Abs(actual[i] - expected[i]) <= tol, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
