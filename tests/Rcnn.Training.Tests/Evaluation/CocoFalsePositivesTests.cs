using Rcnn.Training.Data;
using Rcnn.Training.Evaluation;
using Rcnn.Training.Visualization;
using SkiaSharp;

namespace Rcnn.Training.Tests.Evaluation;

/// <summary>False positives and their kinds on a hand-built image where each detection's overlaps are worked out.</summary>
[TestClass]
public class CocoFalsePositivesTests
{
    private static CocoBox Xyxy(double x0, double y0, double x1, double y1) => CocoBox.FromXyxy(x0, y0, x1, y1);

    // Image 1: class 1 objects A [0,0,10,10] and B [20,0,30,10], a class 2 object [40,0,50,10], and a difficult
    // (ignored) class 1 object [60,0,70,10]. Image 2 has no objects.
    private static readonly CocoGroundTruth Truth = new(
        [new CocoCategory(1, "cell"), new CocoCategory(2, "other")],
        [
            new CocoImage(1, [
                new CocoGroundTruthObject(Xyxy(0, 0, 10, 10), 1),
                new CocoGroundTruthObject(Xyxy(20, 0, 30, 10), 1),
                new CocoGroundTruthObject(Xyxy(40, 0, 50, 10), 2),
                new CocoGroundTruthObject(Xyxy(60, 0, 70, 10), 1, Ignore: true),
            ], 120, 120, "one.jpg"),
            new CocoImage(2, [], 120, 120, "two.jpg"),
        ]);

    private static readonly CocoDetection[] Detections =
    [
        new(1, 1, Xyxy(0, 0, 10, 10), 0.9),       // A exactly: true positive
        new(1, 1, Xyxy(1, 0, 11, 10), 0.8),       // A again, IoU 90/110: duplicate
        new(1, 1, Xyxy(25, 0, 35, 10), 0.7),      // B, IoU 50/150 = 1/3: localization
        new(1, 1, Xyxy(40, 0, 50, 10), 0.6),      // on the class 2 object, IoU 1: confusion
        new(1, 1, Xyxy(60, 0, 70, 10), 0.5),      // on the difficult object: ignored, not a false positive
        new(1, 1, Xyxy(100, 100, 110, 110), 0.4), // nothing there: background
        new(1, 1, Xyxy(45, 0, 55, 10), 0.3),      // class 2 object by 1/3, no class 1 object: both
        new(2, 2, Xyxy(0, 0, 10, 10), 0.2),       // an image without objects: background
    ];

    [TestMethod]
    public void EachUnmatchedDetectionGetsItsKindAndOverlaps()
    {
        var fps = CocoFalsePositives.Find(Truth, Detections);
        CollectionAssert.AreEqual(new[] { 0.8, 0.7, 0.6, 0.4, 0.3, 0.2 }, fps.Select(f => f.Detection.Score).ToArray());
        CollectionAssert.AreEqual(new[]
        {
            DetectionErrorKind.Duplicate, DetectionErrorKind.Localization, DetectionErrorKind.Confusion,
            DetectionErrorKind.Background, DetectionErrorKind.Both, DetectionErrorKind.Background,
        }, fps.Select(f => f.Kind).ToArray());
        Assert.AreEqual(90.0 / 110, fps[0].BestIouSameClass, 1e-12);
        Assert.AreEqual(1.0 / 3, fps[1].BestIouSameClass, 1e-12);
        Assert.AreEqual(1.0, fps[2].BestIouOtherClass, 1e-12);
        Assert.AreEqual(2, fps[2].OtherCategoryId);
        Assert.AreEqual(0.0, fps[3].BestIouSameClass);
        Assert.IsNull(fps[3].OtherCategoryId);
        Assert.AreEqual(1.0 / 3, fps[4].BestIouOtherClass, 1e-12);

        var counts = CocoFalsePositives.CountByKind(fps);
        Assert.AreEqual(5, counts.Count);
        Assert.AreEqual(2, counts[DetectionErrorKind.Background]);
        Assert.AreEqual(1, counts[DetectionErrorKind.Duplicate]);
    }

    [TestMethod]
    public void AStricterThresholdTurnsLooseMatchesIntoLocalizationErrors()
    {
        // At IoU 0.95 only exact boxes match: A's duplicate (0.82) becomes a localization error, as COCO's AP95 sees it.
        var fps = CocoFalsePositives.Find(Truth, Detections, iouThreshold: 0.95);
        Assert.AreEqual(DetectionErrorKind.Localization, fps.Single(f => f.Detection.Score == 0.8).Kind);
        Assert.IsFalse(fps.Any(f => f.Detection.Score == 0.9));
    }

    [TestMethod]
    public void OnlyTheDetectionsCocoEvaluatesAreCounted()
    {
        // With maxDets [1, 1, 2] COCO keeps the two best class 1 detections of image 1: A (matched) and its duplicate.
        var fps = CocoFalsePositives.Find(Truth, Detections, parameters: new CocoEvalParams([1, 1, 2]));
        CollectionAssert.AreEqual(new[] { 0.8, 0.2 }, fps.Select(f => f.Detection.Score).ToArray());
    }

    [TestMethod]
    public void ADetectionOnAnUnknownImageIsAnError()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => CocoFalsePositives.Find(Truth, [new CocoDetection(7, 1, Xyxy(0, 0, 1, 1), 0.5)]));
        StringAssert.Contains(e.Message, "image 7");
    }

    [TestMethod]
    public void TheGalleryCentresEachFalsePositiveAndDrawsItsBox()
    {
        string dir = Directory.CreateTempSubdirectory("rcnn-fp-gallery-").FullName;
        try
        {
            var grey = new ImageBuffer(Enumerable.Repeat((byte)128, 120 * 120 * 3).ToArray(), 120, 120);
            var fps = CocoFalsePositives.Find(Truth, Detections);
            string path = Path.Combine(dir, FalsePositiveGallery.FileName);
            int n = FalsePositiveGallery.Save(path, fps, _ => grey, id => $"img{id}.jpg", c => c == 1 ? "cell" : "other", count: 4, columns: 3);
            Assert.AreEqual(4, n);
            using var bitmap = SKBitmap.Decode(path);
            Assert.AreEqual(3 * 200, bitmap.Width);
            Assert.AreEqual(2 * 230, bitmap.Height);  // two rows of a 200 px tile and a 30 px caption
            // Tile 3 (row 1, column 0) is the background box [100,100,110,110]: the crop is 64 px around its centre, so
            // the 10 px box spans 200 * 10 / 64 = 31 px in the middle; its left edge is at x = 100 - 15.6.
            var edge = bitmap.GetPixel(84, 230 + 100);
            // Background's yellow (255, 220, 0) on grey 128, through JPEG's chroma subsampling.
            Assert.AreEqual(new SKColor(255, 220, 0), FalsePositiveGallery.Colour(DetectionErrorKind.Background));
            Assert.IsTrue(edge.Red > 200 && edge.Green > 180 && edge.Blue < 110, edge.ToString());
            var inside = bitmap.GetPixel(100, 230 + 100);
            Assert.IsTrue(Math.Abs(inside.Red - 128) < 12 && Math.Abs(inside.Blue - 128) < 12, inside.ToString());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
