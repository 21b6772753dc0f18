using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.MLNet.Data;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Tests;

/// <summary>The COCO JSON and Pascal VOC loaders against the annotation files read independently.</summary>
[TestClass]
public sealed class LoaderTests
{
    [TestMethod]
    public void PascalVoc_RowsMatchTheXml()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromPascalVoc(TestData.VocRoot, "test", BuiltinDatasets.BccdClasses, _ => { });
        var paths = data.GetColumn<string>("ImagePath").ToArray();
        var labels = data.GetColumn<string[]>("Label").ToArray();
        var boxes = data.GetColumn<float[]>("Box").ToArray();
        var ids = File.ReadAllLines(Path.Combine(TestData.VocRoot, "ImageSets", "Main", "test.txt")).Where(l => l.Trim().Length > 0).ToArray();
        Assert.HasCount(ids.Length, paths);

        // VOC corners are 1-based inclusive: x0 = xmin - 1, x1 = xmax (detectron2's load_voc_instances).
        var xml = XDocument.Load(Path.Combine(TestData.VocRoot, "Annotations", ids[0].Trim() + ".xml"));
        var objects = xml.Root!.Elements("object").ToArray();
        Assert.AreEqual(Path.Combine(TestData.VocRoot, "JPEGImages", ids[0].Trim() + ".jpg"), paths[0]);
        CollectionAssert.AreEqual(objects.Select(o => o.Element("name")!.Value.Trim()).ToArray(), labels[0]);
        float V(XElement o, string n) => float.Parse(o.Element("bndbox")!.Element(n)!.Value, CultureInfo.InvariantCulture);
        var expected = objects.SelectMany(o => new[] { V(o, "xmin") - 1, V(o, "ymin") - 1, V(o, "xmax"), V(o, "ymax") }).ToArray();
        CollectionAssert.AreEqual(expected, boxes[0]);
        Assert.IsTrue(File.Exists(paths[^1]));
    }

    [TestMethod]
    public void CocoJson_LeavesCrowdOut_AndFeedsLoadImages()
    {
        var dir = TestData.TempFolder("coco");
        var image = TestData.Images("test", 1)[0];
        File.Copy(image, Path.Combine(dir, "a.jpg"));
        var json = new
        {
            images = new[] { new { id = 7, file_name = "a.jpg", width = 640, height = 480 } },
            categories = new[] { new { id = 3, name = "cell" }, new { id = 9, name = "blob" } },
            annotations = new object[]
            {
                new { id = 1, image_id = 7, category_id = 9, bbox = new[] { 10.0, 20.0, 30.0, 40.0 }, iscrowd = 0, area = 1200.0 },
                new { id = 2, image_id = 7, category_id = 3, bbox = new[] { 100.0, 100.0, 50.0, 50.0 }, iscrowd = 1, area = 2500.0 },
                new { id = 3, image_id = 7, category_id = 3, bbox = new[] { 200.0, 150.0, 20.0, 10.0 }, iscrowd = 0, area = 200.0 },
            },
        };
        var file = Path.Combine(dir, "instances.json");
        File.WriteAllText(file, JsonSerializer.Serialize(json));
        var ml = new MLContext();
        var data = ml.Data.LoadFromCocoJson(file, dir, _ => { });
        // COCO XYWH to XYXY; the crowd region is not a training target.
        CollectionAssert.AreEqual(new[] { "blob", "cell" }, data.GetColumn<string[]>("Label").Single());
        CollectionAssert.AreEqual(new float[] { 10, 20, 40, 60, 200, 150, 220, 160 }, data.GetColumn<float[]>("Box").Single());
        var images = ml.Transforms.LoadImages("Image", "", "ImagePath").Fit(data).Transform(data);
        using var cursor = images.GetRowCursor([images.Schema["Image"]]);
        var getter = cursor.GetGetter<MLImage>(images.Schema["Image"]);
        MLImage loaded = null!;
        Assert.IsTrue(cursor.MoveNext());
        getter(ref loaded);
        Assert.AreEqual(640, loaded.Width);
    }

    [TestMethod]
    public void BadFiles_ReportTheFile()
    {
        var ml = new MLContext();
        var e = Assert.ThrowsExactly<DatasetException>(() => ml.Data.LoadFromPascalVoc(TestData.VocRoot, "no_such_split", null, _ => { }));
        StringAssert.Contains(e.Message, "no_such_split");
        var dir = TestData.TempFolder("badcoco");
        var file = Path.Combine(dir, "x.json");
        File.WriteAllText(file, "{ not json");
        Assert.ThrowsExactly<DatasetException>(() => ml.Data.LoadFromCocoJson(file, dir, _ => { }));
    }
}
