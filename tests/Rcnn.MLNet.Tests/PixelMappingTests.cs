using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Scoring;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Tests;

/// <summary>The byte pixel mapping (contract Rcnn.ImageToPixelBytes): its fast path reads <c>MLImage.Pixels</c>; the
/// truth is MLImage's <c>GetBGRPixels</c> (and, for decoded files, Rcnn.Training's ImageReader, a separate decode).</summary>
[TestClass]
public sealed class PixelMappingTests
{
    /// <summary>Planes computed in the test from MLImage's public BGR copy.</summary>
    private static byte[] PublicPlanes(MLImage image)
    {
        int plane = image.Height * image.Width;
        var bgr = image.GetBGRPixels;
        Assert.HasCount(3 * plane, bgr);
        var planes = new byte[3 * plane];
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++)
                planes[c * plane + p] = bgr[3 * p + 2 - c];
        return planes;
    }

    private static (byte[] Pixels, long Height, long Width, bool Fast) Map(MLImage image, bool allowFastPath = true)
    {
        var output = new ImagePixelBytesOutput();
        bool fast = ImageToPixelBytesFactory.Map(new ImagePixelsInput { Image = image }, output, allowFastPath);
        return (output.Pixels, output.Height[0], output.Width[0], fast);
    }

    private static byte[] Interleaved(int h, int w, int seed, bool opaque)
    {
        var px = new byte[h * w * 4];
        new Random(seed).NextBytes(px);
        if (opaque)
            for (int i = 3; i < px.Length; i += 4) px[i] = 255;
        return px;
    }

    [TestMethod]
    public void FastPath_OnDecodedJpegs_EqualsPublicApiAndImageReader()
    {
        foreach (var path in TestData.Images("test", 3))
        {
            using var image = MLImage.CreateFromFile(path);
            var (pixels, h, w, fast) = Map(image);
            Assert.IsTrue(fast, "a decoded JPEG takes the fast path");
            Assert.AreEqual(image.Height, (int)h);
            Assert.AreEqual(image.Width, (int)w);
            CollectionAssert.AreEqual(PublicPlanes(image), pixels, Path.GetFileName(path));

            var rgb = ImageReader.Read(path, "RGB");
            int plane = rgb.Height * rgb.Width;
            Assert.AreEqual(3 * plane, pixels.Length);
            for (int p = 0; p < plane; p++)
                for (int c = 0; c < 3; c++)
                    if (pixels[c * plane + p] != rgb.Data[3 * p + c])
                        Assert.Fail($"{Path.GetFileName(path)}: pixel {p} channel {c}: {pixels[c * plane + p]} vs ImageReader {rgb.Data[3 * p + c]}");
        }
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(5, 7)]
    [DataRow(3, 13)]
    [DataRow(31, 17)]
    public void FastPath_OnOpaqueRgbaAndBgra_OfOddSizes_EqualsTheInput(int h, int w)
    {
        var rgba = Interleaved(h, w, h * 100 + w, opaque: true);
        var bgra = (byte[])rgba.Clone();
        for (int i = 0; i < bgra.Length; i += 4) (bgra[i], bgra[i + 2]) = (rgba[i + 2], rgba[i]);
        var expected = new byte[3 * h * w];
        for (int p = 0; p < h * w; p++)
            for (int c = 0; c < 3; c++)
                expected[c * h * w + p] = rgba[4 * p + c];

        foreach (var (format, bytes) in new[] { (MLPixelFormat.Rgba32, rgba), (MLPixelFormat.Bgra32, bgra) })
        {
            using var image = MLImage.CreateFromPixels(w, h, format, bytes);
            var (pixels, ph, pw, fast) = Map(image);
            Assert.IsTrue(fast, $"{format} {w}x{h} takes the fast path");
            Assert.AreEqual((long)h, ph);
            Assert.AreEqual((long)w, pw);
            CollectionAssert.AreEqual(expected, pixels, $"{format} {w}x{h}");
            CollectionAssert.AreEqual(PublicPlanes(image), pixels, $"{format} {w}x{h} vs GetBGRPixels");
        }
    }

    [TestMethod]
    public void TranslucentPixels_GiveThePublicApisColours()
    {
        // Alpha < 255: MLImage may store premultiplied colours and does not say so, so both routes defer to GetBGRPixels.
        foreach (var format in new[] { MLPixelFormat.Rgba32, MLPixelFormat.Bgra32 })
        {
            using var image = MLImage.CreateFromPixels(9, 6, format, Interleaved(6, 9, 42, opaque: false));
            var (pixels, _, _, fast) = Map(image);
            Assert.IsFalse(fast, $"{format}: translucent pixels take GetBGRPixels");
            CollectionAssert.AreEqual(PublicPlanes(image), pixels, format.ToString());
            var floats = new ImagePixelsOutput();
            ImageToPixelsFactory.Map(new ImagePixelsInput { Image = image }, floats);
            CollectionAssert.AreEqual(PublicPlanes(image).Select(v => (float)v).ToArray(), floats.Pixels, $"{format}: float route");
        }
    }

    [TestMethod]
    public void PublicPath_WhenForced_GivesTheSameBytes_AndReusesTheOutputBuffer()
    {
        using var image = MLImage.CreateFromFile(TestData.Images("test", 1)[0]);
        var output = new ImagePixelBytesOutput();
        Assert.IsFalse(ImageToPixelBytesFactory.Map(new ImagePixelsInput { Image = image }, output, allowFastPath: false));
        var buffer = output.Pixels;
        CollectionAssert.AreEqual(PublicPlanes(image), buffer);
        Array.Clear(buffer);
        Assert.IsTrue(ImageToPixelBytesFactory.Map(new ImagePixelsInput { Image = image }, output, allowFastPath: true));
        Assert.AreSame(buffer, output.Pixels, "a row of the same size reuses the buffer");
        CollectionAssert.AreEqual(PublicPlanes(image), output.Pixels);
    }

    [TestMethod]
    public void FloatRoute_AndByteRoute_AgreeOnEveryValue()
    {
        using var image = MLImage.CreateFromFile(TestData.Images("test", 2)[1]);
        var floats = new ImagePixelsOutput();
        ImageToPixelsFactory.Map(new ImagePixelsInput { Image = image }, floats);
        var (bytes, _, _, _) = Map(image);
        Assert.HasCount(bytes.Length, floats.Pixels);
        for (int i = 0; i < bytes.Length; i++)
            if (floats.Pixels[i] != bytes[i]) Assert.Fail($"value {i}: float route {floats.Pixels[i]}, byte route {bytes[i]}");
    }

    [TestMethod]
    public void MissingOrDisposedImage_FailsWithAManagedError()
    {
        var missing = Assert.ThrowsExactly<InvalidOperationException>(() => Map(null!));
        StringAssert.Contains(missing.Message, DetectorOnnxNames.ScoringImage);
        var image = MLImage.CreateFromPixels(2, 2, MLPixelFormat.Rgba32, new byte[16]);
        image.Dispose();
        Assert.ThrowsExactly<InvalidOperationException>(() => Map(image));
    }

    public sealed class TextImageRow
    {
        public string Image { get; set; } = "not an image";
    }

    [TestMethod]
    public void WrongImageType_OnAFittedChain_FailsInMLNetsOwnBinding()
    {
        // Known limitation: a fitted chain is ML.NET's own transformers, so a non-image column of the right name is
        // only caught when the pixel mapping binds it, and the message names the internal copy, not the user's column.
        var ml = new MLContext();
        var data = TestData.LoadedImages(ml, TestData.Images("test", 1));
        var model = ml.Transforms.DetectObjects(new MemoryStream(FakeDetector.Build())).Fit(data);
        var text = ml.Data.LoadFromEnumerable(new[] { new TextImageRow() });
        var e = Assert.Throws<Exception>(() => model.Transform(text).GetColumn<float[]>("Score").ToList());
        StringAssert.Contains(e.Message, DetectorOnnxNames.ScoringImage);
    }
}
