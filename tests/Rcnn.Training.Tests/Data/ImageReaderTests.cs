using System.Text.Json;
using Rcnn.Training.Data;
using SkiaSharp;

namespace Rcnn.Training.Tests.Data;

[TestClass]
public sealed class ImageReaderTests
{
    [TestMethod]
    public void PngIsReadInTheRequestedChannelOrder()
    {
        using var dir = new TempDir();
        // Lossless PNG: pixel (x, y) = (R=x*10, G=y*20, B=7).
        var png = DataTestFiles.WriteImage(dir.At("a.png"), 5, 3, (x, y) => new SKColor((byte)(x * 10), (byte)(y * 20), 7));
        var rgb = ImageReader.Read(png, "RGB");
        var bgr = ImageReader.Read(png, "BGR");
        Assert.AreEqual(3, rgb.Height);
        Assert.AreEqual(5, rgb.Width);
        Assert.AreEqual(40, rgb[2, 4, 0]);
        Assert.AreEqual(40, rgb[2, 4, 1]);
        Assert.AreEqual(7, rgb[2, 4, 2]);
        Assert.AreEqual(7, bgr[1, 3, 0]);
        Assert.AreEqual(20, bgr[1, 3, 1]);
        Assert.AreEqual(30, bgr[1, 3, 2]);
    }

    [TestMethod]
    public void BccdJpegDecodesLikePil()
    {
        // Reference: PIL's decode of the same file at 300 seeded positions (tools/fixtures/data_pil_resize.py).
        // Different JPEG decoders may differ by a few levels, so the check is per-pixel <= 6 and mean within 0.5.
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "data_pil_resize.json")));
        var f = doc.RootElement.GetProperty("bccd");
        var img = ImageReader.Read(Path.Combine(DataTestFiles.BccdRoot, "JPEGImages", f.GetProperty("file").GetString()!), "RGB");
        Assert.AreEqual(f.GetProperty("h").GetInt32(), img.Height);
        Assert.AreEqual(f.GetProperty("w").GetInt32(), img.Width);
        var ys = f.GetProperty("ys").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var xs = f.GetProperty("xs").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var rgb = f.GetProperty("rgb").EnumerateArray().Select(p => p.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        int worst = 0;
        for (int i = 0; i < ys.Length; i++)
            for (int c = 0; c < 3; c++)
                worst = Math.Max(worst, Math.Abs(img[ys[i], xs[i], c] - rgb[i][c]));
        Assert.IsTrue(worst <= 6, $"largest difference from PIL {worst}");
        var mean = f.GetProperty("mean_rgb").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int c = 0; c < 3; c++)
        {
            double m = 0;
            for (int p = c; p < img.Data.Length; p += 3) m += img.Data[p];
            Assert.AreEqual(mean[c], m / (img.Data.Length / 3), 0.5, $"channel {c} mean");
        }
    }

    [TestMethod]
    public void ExifOrientationIsApplied()
    {
        using var dir = new TempDir();
        // Stored 32x16: top half red (x < 16) / blue (x >= 16), bottom half green. Orientation 6 means "rotate 90 degrees
        // clockwise to display": shown 16 wide, 32 tall, the stored top edge on the right: red right-top, blue right-bottom,
        // green on the left.
        var jpeg = DataTestFiles.Encode(32, 16, (x, y) => y < 8 ? (x < 16 ? SKColors.Red : SKColors.Blue) : SKColors.Lime,
            SKEncodedImageFormat.Jpeg);
        var path = dir.At("rotated.jpg");
        File.WriteAllBytes(path, WithExifOrientation(jpeg, 6));

        var img = ImageReader.Read(path, "RGB");
        Assert.AreEqual(32, img.Height);
        Assert.AreEqual(16, img.Width);
        AssertColor(img, 12, 4, 255, 0, 0);   // shown (x=12, y=4) <- stored (x=4, y=3): red
        AssertColor(img, 12, 28, 0, 0, 255);  // <- stored (28, 3): blue
        AssertColor(img, 2, 4, 0, 255, 0);    // <- stored (4, 13): green
        AssertColor(img, 2, 28, 0, 255, 0);
        // ReadSize (header only) gives the decoded image's displayed size; without EXIF, the stored one.
        Assert.AreEqual((img.Width, img.Height), ImageReader.ReadSize(path));
        var plain = dir.At("plain.jpg");
        File.WriteAllBytes(plain, jpeg);
        Assert.AreEqual((32, 16), ImageReader.ReadSize(plain));
        Assert.ThrowsExactly<DatasetException>(() => ImageReader.ReadSize(dir.At("nope.jpg")));

        // The record must give the displayed size; the stored one is a mismatch naming the file.
        var ok = ImageReader.Read(new DatasetRecord(path, 32, 16, "r", []), "RGB");
        Assert.AreEqual(16, ok.Width);
        var e = Assert.ThrowsExactly<DatasetException>(() => ImageReader.Read(new DatasetRecord(path, 16, 32, "r", [])));
        Assert.AreEqual(path, e.FilePath);
        StringAssert.Contains(e.Message, "mismatched image size: the dataset says 32x16 (WxH) but the (EXIF-oriented) image is 16x32");
    }

    [TestMethod]
    public void CorruptTruncatedAndMissingImagesNameTheFile()
    {
        using var dir = new TempDir();
        var garbage = dir.At("garbage.jpg");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 500).Select(i => (byte)(i * 37)).ToArray());
        var e1 = Assert.ThrowsExactly<DatasetException>(() => ImageReader.Read(garbage));
        Assert.AreEqual(garbage, e1.FilePath);
        StringAssert.Contains(e1.Message, "not a decodable image");

        var real = File.ReadAllBytes(DataTestFiles.BccdImage("BloodImage_00000"));
        var truncated = dir.At("truncated.jpg");
        File.WriteAllBytes(truncated, real[..(real.Length / 2)]);
        var e2 = Assert.ThrowsExactly<DatasetException>(() => ImageReader.Read(truncated));
        Assert.AreEqual(truncated, e2.FilePath);
        StringAssert.Contains(e2.Message, "could not be decoded");

        var missing = dir.At("nope.jpg");
        var e3 = Assert.ThrowsExactly<DatasetException>(() => ImageReader.Read(missing));
        Assert.AreEqual(missing, e3.FilePath);
        StringAssert.Contains(e3.Message, "not found");
    }

    private static void AssertColor(ImageBuffer img, int x, int y, int r, int g, int b)
    {
        // JPEG is lossy: far from colour edges a pure colour stays within a few dozen levels.
        Assert.AreEqual(r, img[y, x, 0], 40, $"R at ({x},{y})");
        Assert.AreEqual(g, img[y, x, 1], 40, $"G at ({x},{y})");
        Assert.AreEqual(b, img[y, x, 2], 40, $"B at ({x},{y})");
    }

    /// <summary>Inserts a hand-written EXIF APP1 segment (big-endian TIFF, one IFD entry 0x0112) right after SOI.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        Assert.IsTrue(jpeg[0] == 0xFF && jpeg[1] == 0xD8, "not a JPEG");
        byte[] app1 =
        [
            0xFF, 0xE1, 0x00, 34,                           // APP1, length 34 (counts itself, not the marker)
            (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'M', (byte)'M', 0x00, 0x2A, 0, 0, 0, 8,   // TIFF header, first IFD at offset 8
            0x00, 0x01,                                     // one entry
            0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1,             // tag Orientation, SHORT, count 1
            (byte)(orientation >> 8), (byte)orientation, 0, 0,
            0, 0, 0, 0,                                     // no next IFD
        ];
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }
}
