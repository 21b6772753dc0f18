using System.Text.Json;
using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;

namespace Rcnn.Training.Tests.Data;

[TestClass]
public sealed class TransformTests
{
    [TestMethod]
    public void ResizeShortestEdgeOutputSizes()
    {
        // scale = 800 / short side, sides rounded with int(x + 0.5):
        // 480x640 -> 800 x 1066.67 -> 800x1067; 427x640 -> 800 x 1199.06 -> 800x1199;
        // 500x1500 -> 800x2400 > 1333, times 1333/2400 -> 444.33 x 1333 -> 444x1333.
        Assert.AreEqual((800, 1067), ResizeShortestEdge.GetOutputShape(480, 640, 800, 1333));
        Assert.AreEqual((800, 1199), ResizeShortestEdge.GetOutputShape(427, 640, 800, 1333));
        Assert.AreEqual((444, 1333), ResizeShortestEdge.GetOutputShape(500, 1500, 800, 1333));
        Assert.AreEqual((1067, 800), ResizeShortestEdge.GetOutputShape(640, 480, 800, 1333));
    }

    [TestMethod]
    public void ResizeScalesBoxesWithTheImage()
    {
        var t = (ResizeTransform)new ResizeShortestEdge([800], 1333).GetTransform(TestImages.Blank(500, 1500), new Random(0));
        Assert.AreEqual(444, t.NewHeight);
        Assert.AreEqual(1333, t.NewWidth);
        // x scales by 1333/1500, y by 444/500.
        var b = t.ApplyBox((150, 50, 1500, 500));
        Assert.AreEqual(150 * 1333 / 1500.0, b.X0, 1e-9);
        Assert.AreEqual(50 * 444 / 500.0, b.Y0, 1e-9);
        Assert.AreEqual(1333, b.X1, 1e-9);
        Assert.AreEqual(444, b.Y1, 1e-9);
    }

    [TestMethod]
    public void ChoiceAndRangeSampling()
    {
        var choice = new ResizeShortestEdge([100, 200], 1000);
        var range = new ResizeShortestEdge([100, 103], 1000, "range");
        var seen = new HashSet<int>();
        var seenRange = new HashSet<int>();
        var rng = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            seen.Add(((ResizeTransform)choice.GetTransform(TestImages.Blank(10, 20), rng)).NewHeight);
            seenRange.Add(((ResizeTransform)range.GetTransform(TestImages.Blank(10, 20), rng)).NewHeight);
        }
        CollectionAssert.AreEquivalent(new[] { 100, 200 }, seen.ToArray());
        CollectionAssert.AreEquivalent(new[] { 100, 101, 102, 103 }, seenRange.ToArray());
        Assert.IsInstanceOfType<NoOpTransform>(new ResizeShortestEdge([0], 1333).GetTransform(TestImages.Blank(4, 4), rng));
        Assert.ThrowsExactly<ArgumentException>(() => new ResizeShortestEdge([1, 2, 3], 10, "range"));
    }

    [TestMethod]
    public void BilinearUpscaleOfTwoPixels()
    {
        // PIL/align_corners=False bilinear, 1x2 -> 1x4: output centres 0.25, 0.75, 1.25, 1.75 in input pixels
        // -> 0, 0.75*0 + 0.25*100, 0.25*0 + 0.75*100, 100 (edges clamp).
        var img = new ImageBuffer([0, 0, 0, 100, 100, 100], 1, 2);
        var r = new ResizeTransform(1, 2, 1, 4).ApplyImage(img);
        CollectionAssert.AreEqual(new byte[] { 0, 25, 75, 100 }, Enumerable.Range(0, 4).Select(x => r[0, x, 0]).ToArray());
    }

    [TestMethod]
    public void ResizeMatchesPilBilinear()
    {
        // Reference: PIL Image.resize(BILINEAR) of a seeded random 30x40 image (tools/fixtures/data_pil_resize.py).
        // PIL works in fixed point, so one level of rounding difference is allowed.
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "data_pil_resize.json")));
        var src = doc.RootElement.GetProperty("src");
        var img = new ImageBuffer(Bytes(src.GetProperty("data")), src.GetProperty("h").GetInt32(), src.GetProperty("w").GetInt32());
        foreach (var r in doc.RootElement.GetProperty("resized").EnumerateArray())
        {
            int h = r.GetProperty("h").GetInt32(), w = r.GetProperty("w").GetInt32();
            var expected = Bytes(r.GetProperty("data"));
            var actual = new ResizeTransform(img.Height, img.Width, h, w).ApplyImage(img).Data;
            int worst = 0, off = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                int d = Math.Abs(expected[i] - actual[i]);
                worst = Math.Max(worst, d);
                if (d > 0) off++;
            }
            Assert.IsTrue(worst <= 1, $"{h}x{w}: largest difference {worst}");
            Assert.IsTrue(off < expected.Length / 50, $"{h}x{w}: {off} of {expected.Length} values differ");
        }
    }

    [TestMethod]
    public void HorizontalAndVerticalFlip()
    {
        var img = new ImageBuffer([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6], 2, 3);
        var h = new HFlipTransform(3);
        var flipped = h.ApplyImage(img);
        CollectionAssert.AreEqual(new byte[] { 3, 2, 1, 6, 5, 4 }, new[] { flipped[0, 0, 0], flipped[0, 1, 0], flipped[0, 2, 0], flipped[1, 0, 0], flipped[1, 1, 0], flipped[1, 2, 0] });
        // x0' = W - x1, x1' = W - x0 with W = 640.
        Assert.AreEqual((440.0, 10.0, 600.0, 50.0), new HFlipTransform(640).ApplyBox((40, 10, 200, 50)));
        Assert.AreEqual((40.0, 430.0, 200.0, 470.0), new VFlipTransform(480).ApplyBox((40, 10, 200, 50)));
        var v = new VFlipTransform(2).ApplyImage(img);
        Assert.AreEqual(4, v[0, 0, 0]);
        Assert.AreEqual(1, v[1, 0, 0]);
    }

    [TestMethod]
    public void RandomFlipHonoursItsProbability()
    {
        var rng = new Random(1);
        int flips = Enumerable.Range(0, 1000).Count(_ => new RandomFlip().GetTransform(TestImages.Blank(2, 2), rng) is HFlipTransform);
        Assert.IsTrue(flips is > 430 and < 570, $"{flips} flips in 1000 at p = 0.5");
        Assert.IsInstanceOfType<VFlipTransform>(new RandomFlip(1.0, horizontal: false, vertical: true).GetTransform(TestImages.Blank(2, 2), rng));
        Assert.IsInstanceOfType<NoOpTransform>(new RandomFlip(0.0).GetTransform(TestImages.Blank(2, 2), rng));
    }

    [TestMethod]
    public void PhotometricBlendsFollowDetectron2()
    {
        var img = new ImageBuffer([100, 50, 200, 0, 0, 0], 1, 2);
        // Intensity range [1.5, 1.5] fixes w = 1.5.
        // Brightness: 1.5 * v, clipped at 255 and truncated: 150, 75, 255, 0, 0, 0.
        var b = new RandomBrightness(1.5, 1.5).GetTransform(img, new Random(0)).ApplyImage(img);
        CollectionAssert.AreEqual(new byte[] { 150, 75, 255, 0, 0, 0 }, b.Data);
        // Contrast: mean = 350 / 6 = 58.33; -0.5 * 58.33 + 1.5 * v: 120.83 -> 120, 45.83 -> 45, 270.8 -> 255, -29 -> 0.
        var c = new RandomContrast(1.5, 1.5).GetTransform(img, new Random(0)).ApplyImage(img);
        CollectionAssert.AreEqual(new byte[] { 120, 45, 255, 0, 0, 0 }, c.Data);
        // Saturation, RGB: grey = 0.299*100 + 0.587*50 + 0.114*200 = 82.15; -0.5*82.15 + 1.5*v: 108.9, 33.9, 258.9 -> 108, 33, 255.
        var s = new RandomSaturation(1.5, 1.5).GetTransform(img, new Random(0)).ApplyImage(img);
        CollectionAssert.AreEqual(new byte[] { 108, 33, 255, 0, 0, 0 }, s.Data);
        // Boxes are untouched by photometric transforms.
        Assert.AreEqual((1.0, 2.0, 3.0, 4.0), new RandomBrightness(0.5, 2).GetTransform(img, new Random(0)).ApplyBox((1, 2, 3, 4)));
    }

    private static byte[] Bytes(JsonElement array) => array.EnumerateArray().Select(e => (byte)e.GetInt32()).ToArray();
}
