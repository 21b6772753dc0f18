using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;

namespace Rcnn.Training.Tests.Data;

/// <summary>INPUT.CROP: detectron2's RandomCrop sizes and positions, and what the crop does to pixels and boxes.</summary>
[TestClass]
public sealed class RandomCropTests
{
    [TestMethod]
    public void CropTransformKeepsTheWindowAndMovesBoxes()
    {
        // A 4x5 image whose pixel (y, x) has channel values 100 + 10y + x, +1, +2.
        var data = new byte[4 * 5 * 3];
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 5; x++)
                for (int c = 0; c < 3; c++) data[(y * 5 + x) * 3 + c] = (byte)(100 + 10 * y + x + c);
        var t = new CropTransform(x0: 1, y0: 2, width: 3, height: 2);
        var cropped = t.ApplyImage(new ImageBuffer(data, 4, 5, "BGR"));
        Assert.AreEqual((2, 3, "BGR"), (cropped.Height, cropped.Width, cropped.Format));
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
                Assert.AreEqual(100 + 10 * (y + 2) + (x + 1) + 2, cropped[y, x, 2]);
        Assert.AreEqual((-0.5, 1.0, 2.0, 3.5), t.ApplyBox((0.5, 3, 3, 5.5)));
        Assert.ThrowsExactly<ArgumentException>(() => t.ApplyImage(TestImages.Blank(3, 5)));
    }

    [TestMethod]
    public void MapperClipsBoxesToTheCropAndDropsThoseLeftOutside()
    {
        var record = new DatasetRecord("unused.png", 100, 200, "img",
        [
            new ObjectAnnotation(10, 10, 50, 40, 0),     // straddles the window (x 20..120, y 30..90): 0..30 x 0..10 in it
            new ObjectAnnotation(100, 50, 150, 95, 1),   // straddles the right and bottom edges
            new ObjectAnnotation(150, 0, 190, 20, 2),    // outside: dropped as empty
        ]);
        var crop = new CropTransform(20, 30, 100, 60);
        var inst = DatasetMapper.BuildInstances(record, [crop], 60, 100);
        Assert.AreEqual(2, inst.Count);
        CollectionAssert.AreEqual(new long[] { 0, 1 }, inst.GtClasses.data<long>().ToArray());
        CollectionAssert.AreEqual(new float[] { 0, 0, 30, 10, 80, 20, 100, 60 }, inst.GtBoxes.Tensor.flatten().data<float>().ToArray());
    }

    [TestMethod]
    public void CropSizesFollowEachTypesRule()
    {
        var rng = new Random(0);
        // relative: int(480 * 0.5 + 0.5) x int(640 * 0.33 + 0.5) = 240 x 211.
        Assert.AreEqual((240, 211), new RandomCrop("relative", [0.5, 0.33]).GetCropSize(480, 640, rng));
        // absolute: at most the image.
        Assert.AreEqual((300, 640), new RandomCrop("absolute", [300, 1000]).GetCropSize(480, 640, rng));
        var relRange = new RandomCrop("relative_range", [0.5, 0.9]);
        var absRange = new RandomCrop("absolute_range", [100, 200]);
        var heights = new HashSet<int>();
        for (int i = 0; i < 4000; i++)
        {
            var (h, w) = relRange.GetCropSize(480, 640, rng);
            Assert.IsTrue(h is >= 240 and <= 480 && w is >= 576 and <= 640, $"relative_range gave {h}x{w}");
            // absolute_range on a 150 x 640 image: height from [100, 150], width from [100, 200].
            var (ah, aw) = absRange.GetCropSize(150, 640, rng);
            Assert.IsTrue(ah is >= 100 and <= 150 && aw is >= 100 and <= 200, $"absolute_range gave {ah}x{aw}");
            heights.Add(ah);
        }
        Assert.AreEqual(51, heights.Count);  // every integer in [100, 150] drawn
    }

    [TestMethod]
    public void CropPositionIsUniformOverEveryPlaceTheWindowFits()
    {
        var crop = new RandomCrop("absolute", [3, 2]);
        var rng = new Random(1);
        var counts = new int[3, 4];  // a 3x2 window in a 5x5 image: y0 in 0..2, x0 in 0..3
        for (int i = 0; i < 12000; i++)
        {
            var t = (CropTransform)crop.GetTransform(TestImages.Blank(5, 5), rng);
            Assert.AreEqual((2, 3), (t.Width, t.Height));
            counts[t.Y0, t.X0]++;
        }
        foreach (int n in counts) Assert.IsTrue(n is > 850 and < 1150, $"a position was drawn {n} times of 12000 (expected about 1000)");
    }

    [TestMethod]
    public void BadCropSizesAreRefusedWithTheirReason()
    {
        StringAssert.Contains(RandomCrop.Problem("relative", [0.5, 1.5]), "fractions in (0, 1], got [0.5, 1.5]");
        StringAssert.Contains(RandomCrop.Problem("absolute", [0.9, 0.9]), "whole pixels >= 1, got [0.9, 0.9]");
        StringAssert.Contains(RandomCrop.Problem("absolute_range", [300, 200]), "min <= max, got [300, 200]");
        Assert.IsNull(RandomCrop.Problem("absolute_range", [200, 300]));
        Assert.ThrowsExactly<ArgumentException>(() => new RandomCrop("relative", [0, 0.5]));

        // From the config: the key and the type are named when training would start.
        var input = new InputConfig();
        input.Crop.Enabled = true;
        input.Crop.Type = "absolute";
        var e = Assert.ThrowsExactly<ConfigException>(() => AugmentationList.Build(input, isTrain: true));
        StringAssert.Contains(e.Message, "INPUT.CROP (TYPE 'absolute'): an absolute crop's sizes are whole pixels >= 1, got [0.9, 0.9].");
        Assert.AreEqual("INPUT.CROP.SIZE", e.Key);
        Assert.AreEqual(1, AugmentationList.Build(input, isTrain: false).Augmentations.Count);  // no crop at test time
    }

    [TestMethod]
    public void EnabledCropComesFirstAndOnlyWhenTraining()
    {
        var input = new InputConfig();
        Assert.IsFalse(AugmentationList.Build(input, true).Augmentations.OfType<RandomCrop>().Any());
        input.Crop.Enabled = true;
        var train = AugmentationList.Build(input, true).Augmentations;
        Assert.IsInstanceOfType<RandomCrop>(train[0]);
        Assert.AreEqual(("relative_range", 0.9), (((RandomCrop)train[0]).CropType, ((RandomCrop)train[0]).CropSize[0]));
        Assert.IsInstanceOfType<ResizeShortestEdge>(train[1]);

        // The whole chain: crop, then resize to the short side, then flip; boxes follow.
        var (image, transforms) = AugmentationList.Build(input, true).Apply(TestImages.Blank(480, 640), new Random(2));
        var crop = (CropTransform)transforms[0];
        Assert.IsTrue(crop.Height is >= 432 and <= 480 && crop.Width is >= 576 and <= 640);
        Assert.AreEqual(800, Math.Min(image.Height, image.Width));
    }
}
