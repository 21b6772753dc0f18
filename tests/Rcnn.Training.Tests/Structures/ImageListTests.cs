using Rcnn.Training.Structures;
using TorchSharp;
using static Rcnn.Training.Tests.Structures.FixtureJson;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Structures;

[TestClass]
public class ImageListTests
{
    [TestMethod]
    public void PadsRightAndBottomToTheBatchMaximumWithPadValue()
    {
        using var scope = NewDisposeScope();
        var img0 = arange(2 * 3 * 5, dtype: ScalarType.Float32).reshape(2, 3, 5);     // 3 x 5
        var img1 = arange(2 * 4 * 2, dtype: ScalarType.Float32).reshape(2, 4, 2) + 100; // 4 x 2
        var list = ImageList.FromTensors([img0, img1], padValue: -1);

        // Batch max is 4 high, 5 wide; no divisibility.
        CollectionAssert.AreEqual(new long[] { 2, 2, 4, 5 }, list.Tensor.shape);
        Assert.AreEqual(2, list.Count);
        CollectionAssert.AreEqual(new[] { (3, 5), (4, 2) }, list.ImageSizes.ToArray());

        var t = list.Tensor;
        AssertClose(img0, t[0, .., TensorIndex.Slice(0, 3), TensorIndex.Slice(0, 5)], 0, "image 0 copied");
        AssertClose(img1, t[1, .., TensorIndex.Slice(0, 4), TensorIndex.Slice(0, 2)], 0, "image 1 copied");
        Assert.IsTrue(t[0, .., 3, ..].eq(-1).all().item<bool>(), "image 0 bottom row is padding");
        Assert.IsTrue(t[1, .., .., TensorIndex.Slice(2, 5)].eq(-1).all().item<bool>(), "image 1 right columns are padding");
        // 2*4*5 cells per image minus the image itself: 40 - 30 and 40 - 16 padded cells.
        Assert.AreEqual(10 + 24, t.eq(-1).sum().item<long>());

        AssertClose(img0, list[0], 0, "indexer crops image 0");
        AssertClose(img1, list[1], 0, "indexer crops image 1");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => list[2]);
    }

    [TestMethod]
    public void SizeDivisibilityRoundsUpBothSides()
    {
        using var scope = NewDisposeScope();
        // 800 is already a multiple of 32; 1067 rounds up to 34 * 32 = 1088.
        var image = ones(3, 800, 1067);
        var list = ImageList.FromTensors([image], sizeDivisibility: 32);
        CollectionAssert.AreEqual(new long[] { 1, 3, 800, 1088 }, list.Tensor.shape);
        CollectionAssert.AreEqual(new[] { (800, 1067) }, list.ImageSizes.ToArray());
        Assert.AreEqual(0f, list.Tensor[.., .., .., TensorIndex.Slice(1067, null)].abs().max().item<float>(), "zero padding");
        Assert.AreEqual(3.0 * 800 * 1067, (double)list.Tensor.sum().item<float>(), 0.0, "the image is copied whole");

        // The batch maximum is taken per side first: max(801, 700) = 801 -> 832, max(600, 641) = 641 -> 672.
        var pair = ImageList.FromTensors([zeros(1, 801, 600), zeros(1, 700, 641)], sizeDivisibility: 32);
        CollectionAssert.AreEqual(new long[] { 2, 1, 832, 672 }, pair.Tensor.shape);

        // 1 (and 0) mean no rounding.
        CollectionAssert.AreEqual(new long[] { 1, 1, 7, 9 }, ImageList.FromTensors([zeros(1, 7, 9)], 1).Tensor.shape);
    }

    [TestMethod]
    public void KeepsTheImagesDtype()
    {
        using var scope = NewDisposeScope();
        // A 2 x 7 image of 2s padded to 4 x 8: 14 cells of 2 and 18 of 3.
        var list = ImageList.FromTensors([full(new long[] { 1, 2, 7 }, 2, dtype: ScalarType.Byte)], sizeDivisibility: 4, padValue: 3);
        Assert.AreEqual(ScalarType.Byte, list.Tensor.dtype);
        CollectionAssert.AreEqual(new long[] { 1, 1, 4, 8 }, list.Tensor.shape);
        Assert.AreEqual(14 * 2 + 18 * 3, list.Tensor.to_type(ScalarType.Int64).sum().item<long>());
    }

    [TestMethod]
    public void RejectsEmptyListsMismatchedChannelsAndWrongRanks()
    {
        using var scope = NewDisposeScope();
        Assert.ThrowsExactly<ArgumentException>(() => ImageList.FromTensors([]));
        var e = Assert.ThrowsExactly<ArgumentException>(() => ImageList.FromTensors([zeros(3, 4, 4), zeros(1, 4, 4)]));
        StringAssert.Contains(e.Message, "images[1] has 1 channels but images[0] has 3");
        var rank = Assert.ThrowsExactly<ArgumentException>(() => ImageList.FromTensors([zeros(4, 4)]));
        StringAssert.Contains(rank.Message, "[4, 4]");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageList.FromTensors([zeros(1, 4, 4)], -32));
        Assert.ThrowsExactly<ArgumentException>(() => new ImageList(zeros(1, 1, 4, 4), [(5, 4)]));
        Assert.ThrowsExactly<ArgumentException>(() => new ImageList(zeros(2, 1, 4, 4), [(4, 4)]));
    }

    [TestMethod]
    public void ToKeepsSizesAndValues()
    {
        using var scope = NewDisposeScope();
        var list = ImageList.FromTensors([rand(3, 5, 6), rand(3, 6, 5)], sizeDivisibility: 8);
        var moved = list.To(CPU);
        Assert.AreEqual(DeviceType.CPU, moved.Device.type);
        CollectionAssert.AreEqual(list.ImageSizes.ToArray(), moved.ImageSizes.ToArray());
        AssertClose(list.Tensor, moved.Tensor, 0, "values");
    }
}
