using Rcnn.Training.Data;
using SkiaSharp;

namespace Rcnn.Training.Tests.Data;

[TestClass]
public sealed class CocoJsonTests
{
    // Category ids 7, 1, 3 (unsorted, non-contiguous): sorted 1,3,7 -> contiguous 0,1,2.
    // Image 5 has a normal box, a crowd box, one partly outside, one wholly outside and one of zero width;
    // image 2 (listed second, sorted first) has no annotations.
    private const string Json = """
    {
      "images": [
        {"id": 5, "file_name": "five.png", "height": 40, "width": 60},
        {"id": 2, "file_name": "two.png", "height": 30, "width": 20}
      ],
      "categories": [
        {"id": 7, "name": "seven"}, {"id": 1, "name": "one"}, {"id": 3, "name": "three"}
      ],
      "annotations": [
        {"id": 1, "image_id": 5, "category_id": 7, "bbox": [10, 5, 20, 15], "iscrowd": 0},
        {"id": 2, "image_id": 5, "category_id": 1, "bbox": [0, 0, 30, 30], "iscrowd": 1},
        {"id": 3, "image_id": 5, "category_id": 3, "bbox": [50, 30, 20, 20]},
        {"id": 4, "image_id": 5, "category_id": 3, "bbox": [70, 0, 5, 5]},
        {"id": 5, "image_id": 5, "category_id": 3, "bbox": [12, 12, 0, 4]}
      ]
    }
    """;

    private static string Setup(TempDir dir, string json = Json)
    {
        DataTestFiles.WriteImage(dir.At("img/five.png"), 60, 40, (_, _) => SKColors.Gray);
        DataTestFiles.WriteImage(dir.At("img/two.png"), 20, 30, (_, _) => SKColors.Gray);
        return dir.Write("ann.json", json);
    }

    [TestMethod]
    public void LoadsContiguousIdsXyxyCrowdAndEmptyImages()
    {
        using var dir = new TempDir();
        var json = Setup(dir);
        var log = new ListLog();
        var catalog = new DatasetCatalog(log);
        catalog.RegisterCocoJson("tiny", json, dir.At("img"));
        var d = catalog.Get("tiny");

        CollectionAssert.AreEqual(new[] { "one", "three", "seven" }, d.Metadata.ThingClasses.ToArray());
        var map = d.Metadata.ThingDatasetIdToContiguousId!;
        Assert.AreEqual(3, map.Count);
        Assert.AreEqual(0, map[1]);
        Assert.AreEqual(1, map[3]);
        Assert.AreEqual(2, map[7]);

        // Sorted by image id: 2 first, kept although it has no annotations.
        CollectionAssert.AreEqual(new[] { "2", "5" }, d.Records.Select(r => r.ImageId).ToArray());
        Assert.AreEqual(0, d.Records[0].Annotations.Count);
        Assert.AreEqual(30, d.Records[0].Height);
        Assert.AreEqual(dir.At("img/two.png"), d.Records[0].FileName);

        var a = d.Records[1].Annotations;
        Assert.AreEqual(3, a.Count);
        Assert.AreEqual(new ObjectAnnotation(10, 5, 30, 20, 2), a[0]);              // XYWH (10,5,20,15) -> XYXY
        Assert.AreEqual(new ObjectAnnotation(0, 0, 30, 30, 0, IsCrowd: true), a[1]);
        Assert.AreEqual(new ObjectAnnotation(50, 30, 60, 40, 1), a[2]);             // (50,30)-(70,50) clipped to 60x40

        Assert.AreEqual(1, d.Summary.DroppedDegenerate);
        Assert.AreEqual(1, d.Summary.DroppedOutside);
        Assert.AreEqual(1, d.Summary.Clipped);
        Assert.AreEqual(1, d.Summary.CrowdAnnotations);
        Assert.AreEqual(1, d.Summary.ImagesWithoutAnnotations);
        Assert.AreEqual(3, log.Warnings.Count, string.Join("\n", log.Warnings));
        Assert.IsTrue(log.Warnings.All(w => w.Contains("ann.json") && w.Contains("image 5")));
        Assert.IsTrue(log.Warnings.Any(w => w.Contains("dropped 1 degenerate")));
        Assert.IsTrue(log.Warnings.Any(w => w.Contains("dropped 1 box(es) lying wholly outside")));
        Assert.IsTrue(log.Warnings.Any(w => w.Contains("clipped 1 box(es)")));
        Assert.IsTrue(log.Infos.Any(i => i.StartsWith("Dataset 'tiny': 2 images, 3 annotations")), string.Join("\n", log.Infos));

        // Only image 5 has a non-crowd box left.
        Assert.AreEqual(1, DatasetCatalog.FilterEmpty(d.Records, log).Count);
    }

    [TestMethod]
    public void BrokenJsonNamesFileLineAndPosition()
    {
        using var dir = new TempDir();
        // Line 3 lacks a comma after the first image: the parser stops at the '{' of line 3.
        var json = Setup(dir, "{\n \"images\": [{\"id\": 1}\n {\"id\": 2}],\n \"categories\": []\n}");
        var e = Assert.ThrowsExactly<DatasetException>(() => CocoJsonLoader.Load("x", json, dir.Root, new ListLog()));
        Assert.AreEqual(json, e.FilePath);
        StringAssert.Contains(e.Message, "ann.json");
        StringAssert.Contains(e.Message, "broken JSON at line 3, byte 2");
    }

    [TestMethod]
    public void UnknownCategoryIdNamesTheIdAndTheKnownOnes()
    {
        using var dir = new TempDir();
        var json = Setup(dir, Json.Replace("\"category_id\": 7, \"bbox\"", "\"category_id\": 99, \"bbox\""));
        var e = Assert.ThrowsExactly<DatasetException>(() => CocoJsonLoader.Load("x", json, dir.At("img"), new ListLog()));
        StringAssert.Contains(e.Message, "ann.json");
        StringAssert.Contains(e.Message, "category_id 99");
        StringAssert.Contains(e.Message, "1:one, 3:three, 7:seven");
    }

    [TestMethod]
    public void MissingImageFileNamesTheFile()
    {
        using var dir = new TempDir();
        var json = Setup(dir);
        File.Delete(dir.At("img/two.png"));
        var e = Assert.ThrowsExactly<DatasetException>(() => CocoJsonLoader.Load("x", json, dir.At("img"), new ListLog()));
        Assert.AreEqual(dir.At("img/two.png"), e.FilePath);
        StringAssert.Contains(e.Message, "not found");
    }
}
