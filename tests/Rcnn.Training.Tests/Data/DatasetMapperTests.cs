using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;
using SkiaSharp;
using TorchSharp;

namespace Rcnn.Training.Tests.Data;

[TestClass]
public sealed class DatasetMapperTests
{
    private static DatasetRecord Record(TempDir dir, IReadOnlyList<ObjectAnnotation> annotations)
    {
        // 640x480, left half pure red, right half pure blue (lossless PNG).
        var png = DataTestFiles.WriteImage(dir.At("img.png"), 640, 480, (x, _) => x < 320 ? SKColors.Red : SKColors.Blue);
        return new DatasetRecord(png, 480, 640, "img", annotations);
    }

    [TestMethod]
    public void TrainMapperResizesFlipsAndMovesBoxes()
    {
        using var dir = new TempDir();
        var record = Record(dir,
        [
            new ObjectAnnotation(40, 10, 200, 50, 2),
            new ObjectAnnotation(0, 0, 100, 100, 1, IsCrowd: true),
            new ObjectAnnotation(300, 300, 300.000001, 400, 0),  // 1e-6 wide: still empty after scaling (filter_empty_instances)
        ]);
        var mapper = new DatasetMapper(true, new AugmentationList([new ResizeShortestEdge([800], 1333), new RandomFlip(1.0)]), "BGR");
        using var s = mapper.Map(record, new Random(0));

        CollectionAssert.AreEqual(new long[] { 3, 800, 1067 }, s.Image.shape);
        Assert.AreEqual(TorchSharp.torch.ScalarType.Float32, s.Image.dtype);
        // BGR after flip: the left is now blue -> channel 0 = 255; the right red -> channel 2 = 255.
        Assert.AreEqual(255f, s.Image[0, 400, 100].ToSingle());
        Assert.AreEqual(0f, s.Image[2, 400, 100].ToSingle());
        Assert.AreEqual(255f, s.Image[2, 400, 1000].ToSingle());
        Assert.AreEqual(480, s.Height);
        Assert.AreEqual(640, s.Width);
        Assert.AreEqual(record.FileName, s.FileName);

        var inst = s.Instances!;
        Assert.AreEqual((800, 1067), inst.ImageSize);
        Assert.AreEqual(1, inst.Count);  // crowd and empty boxes removed
        Assert.AreEqual(2L, inst.GtClasses[0].ToInt64());
        // Scale x by 1067/640, y by 800/480, then flip x in a 1067-wide image: x0' = 1067 - 200*1067/640.
        double sx = 1067 / 640.0, sy = 800 / 480.0;
        var box = inst.GtBoxes.Tensor[0].data<float>().ToArray();
        Assert.AreEqual(1067 - 200 * sx, box[0], 1e-3);
        Assert.AreEqual(10 * sy, box[1], 1e-3);
        Assert.AreEqual(1067 - 40 * sx, box[2], 1e-3);
        Assert.AreEqual(50 * sy, box[3], 1e-3);
    }

    [TestMethod]
    public void TestMapperUsesMinSizeTestAndDropsAnnotations()
    {
        using var dir = new TempDir();
        var record = Record(dir, [new ObjectAnnotation(40, 10, 200, 50, 2)]);
        var input = new InputConfig { MinSizeTest = 600, MaxSizeTest = 1000, Format = "RGB" };
        var mapper = new DatasetMapper(false, AugmentationList.Build(input, isTrain: false), input.Format);
        using var s = mapper.Map(record, new Random(0));
        // 480x640 -> 600x800 (scale 1.25).
        CollectionAssert.AreEqual(new long[] { 3, 600, 800 }, s.Image.shape);
        Assert.AreEqual(255f, s.Image[0, 300, 100].ToSingle());  // RGB: red in channel 0 on the left
        Assert.IsNull(s.Instances);

        input.MinSizeTest = 0;  // resizing off
        using var same = new DatasetMapper(false, AugmentationList.Build(input, false), "RGB").Map(record, new Random(0));
        CollectionAssert.AreEqual(new long[] { 3, 480, 640 }, same.Image.shape);
    }

    [TestMethod]
    public void BuildAugmentationFollowsInputConfig()
    {
        var input = new InputConfig { MinSizeTrain = [640, 800], MinSizeTrainSampling = "range", MaxSizeTrain = 1000, RandomFlip = "vertical" };
        var augs = AugmentationList.Build(input, isTrain: true).Augmentations;
        Assert.AreEqual(2, augs.Count);
        var resize = (ResizeShortestEdge)augs[0];
        CollectionAssert.AreEqual(new[] { 640, 800 }, resize.ShortEdgeLengths.ToArray());
        Assert.AreEqual("range", resize.SampleStyle);
        Assert.AreEqual(1000, resize.MaxSize);
        Assert.IsFalse(((RandomFlip)augs[1]).Horizontal);
        input.RandomFlip = "none";
        Assert.AreEqual(1, AugmentationList.Build(input, true).Augmentations.Count);
    }

    [TestMethod]
    public void SizeMismatchAndCorruptImagesFailNamingTheFile()
    {
        using var dir = new TempDir();
        var record = Record(dir, []) with { Height = 400 };
        var mapper = new DatasetMapper(true, new AugmentationList([]));
        var e = Assert.ThrowsExactly<DatasetException>(() => mapper.Map(record, new Random(0)));
        StringAssert.Contains(e.Message, "img.png");
        StringAssert.Contains(e.Message, "mismatched image size");
    }
}
