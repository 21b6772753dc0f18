using System.Diagnostics;
using System.Globalization;
using Rcnn.Training;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>
/// The batch export (input images [B, 3, 480, 640], outputs padded to [B, M, ...] with a count per image) against the
/// one-image export of the same model, image by image, in ONNX Runtime: same count, same labels, boxes within 0.5 px
/// (the bar), and scores within 1e-4 (ONNX Runtime optimises a Loop body apart from the main graph, so float32
/// results differ in the last digits: 2.2e-5 seen; the worst difference is printed), for B = 1, 4 and 8. The batch holds real BCCD images and smaller crops of them padded with
/// zeros to 480 x 640 (top-left), which the one-image graph is given padded the same way. Random-init BCCD model with
/// sharpened heads, so every image has detections. Prints images/s at each B.
/// </summary>
[TestClass]
public sealed class BatchExportTests
{
    private const int Height = 480, Width = 640;

    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    /// <summary>Image i of the batch: a whole BCCD image, or (odd i) a crop of one, padded to 480 x 640.</summary>
    private static Tensor Padded(int i)
    {
        var image = TestImages.Bccd(i % 8);
        if (i % 2 == 1) image = TestImages.Crop(image, 20 * (i % 3), 30 * (i % 4), 300 + 10 * i, 400 + 12 * i);
        var chw = TestImages.ToChw(image);
        var canvas = zeros(3, Height, Width);
        canvas[.., ..(int)chw.shape[1], ..(int)chw.shape[2]] = chw;
        return canvas;
    }

    [TestMethod]
    public void EveryImageOfABatchGetsTheOneImageGraphsDetections()
    {
        var (model, cfg) = DetectorBodyExportTests.BccdModel();
        var options = new DetectorOnnxOptions { ClassNames = ["RBC", "WBC", "Platelets"] };
        using var single = new OrtRun(DetectorOnnxExporter.ExportToBytes(model, cfg, options));
        using var batch = new OrtRun(DetectorOnnxExporter.ExportBatchToBytes(model, cfg, Height, Width, options));
        int m = cfg.Test.DetectionsPerImage;
        var images = Enumerable.Range(0, 8).Select(Padded).ToArray();
        var expected = images.Select(img => single.Run(("image", img))).ToArray();

        double worstScore = 0, worstBox = 0;
        foreach (int b in new[] { 1, 4, 8 })
        {
            var watch = Stopwatch.StartNew();
            var outputs = batch.Run(("images", stack(images[..b])));
            watch.Stop();
            CollectionAssert.AreEqual(new long[] { b, m, 4 }, outputs["boxes"].Shape, $"B={b}: boxes shape");
            CollectionAssert.AreEqual(new long[] { b }, outputs["num_detections"].Shape, $"B={b}: count shape");
            for (int i = 0; i < b; i++)
            {
                var e = expected[i];
                int k = e["scores"].Floats.Length;
                Assert.IsTrue(k > 0, $"image {i} has no detections: the comparison would be vacuous");
                Assert.AreEqual(k, (int)outputs["num_detections"].Longs[i], $"B={b} image {i}: count");
                for (int d = 0; d < m; d++)
                {
                    long label = outputs["labels"].Longs[i * m + d];
                    float score = outputs["scores"].Floats[i * m + d];
                    if (d >= k)
                    {
                        Assert.AreEqual((-1L, 0f), (label, score), $"B={b} image {i} row {d}: padding");
                        continue;
                    }
                    Assert.AreEqual(e["labels"].Longs[d], label, $"B={b} image {i} detection {d}: label");
                    worstScore = Math.Max(worstScore, Math.Abs(e["scores"].Floats[d] - score));
                    worstBox = Math.Max(worstBox, Enumerable.Range(0, 4).Max(c => Math.Abs(e["boxes"].Floats[4 * d + c] - outputs["boxes"].Floats[(i * m + d) * 4 + c])));
                    Assert.AreEqual(e["scores"].Floats[d], score, 1e-4f, $"B={b} image {i} detection {d}: score");
                    for (int c = 0; c < 4; c++)
                        Assert.AreEqual(e["boxes"].Floats[4 * d + c], outputs["boxes"].Floats[(i * m + d) * 4 + c], 0.5f, $"B={b} image {i} detection {d}: box[{c}]");
                }
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"B={b}: {b / watch.Elapsed.TotalSeconds:F2} images/s; worst differences so far: score {worstScore:E2}, box {worstBox:E2} px"));
        }
    }
}
