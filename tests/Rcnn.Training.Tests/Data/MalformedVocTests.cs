using Rcnn.Training.Data;
using SkiaSharp;

namespace Rcnn.Training.Tests.Data;

[TestClass]
public sealed class MalformedVocTests
{
    private static string Voc(TempDir dir, string id, string objects, int w = 50, int h = 40)
    {
        dir.Write("voc/ImageSets/Main/train.txt", id + "\n");
        DataTestFiles.WriteImage(dir.At($"voc/JPEGImages/{id}.jpg"), w, h, (_, _) => SKColors.White, SKEncodedImageFormat.Jpeg);
        return dir.Write($"voc/Annotations/{id}.xml",
            $"<annotation><size><width>{w}</width><height>{h}</height><depth>3</depth></size>{objects}</annotation>");
    }

    private static string Obj(string name, int x0, int y0, int x1, int y1, int difficult = 0) =>
        $"<object><name>{name}</name><difficult>{difficult}</difficult><bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin><xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox></object>";

    [TestMethod]
    public void UnknownClassNamesFileClassAndKnownClasses()
    {
        using var dir = new TempDir();
        var xml = Voc(dir, "img1", Obj("cat", 1, 1, 10, 10) + Obj("dog", 2, 2, 20, 20));
        var e = Assert.ThrowsExactly<DatasetException>(() =>
            PascalVocLoader.Load("v", dir.At("voc"), "train", ["cat", "bird"], new ListLog()));
        Assert.AreEqual(xml, e.FilePath);
        StringAssert.Contains(e.Message, "unknown class 'dog'");
        StringAssert.Contains(e.Message, "[cat, bird]");
    }

    [TestMethod]
    public void ZeroAreaBoxIsDroppedAndDifficultKeptWithItsFlag()
    {
        using var dir = new TempDir();
        // (5,5)-(5,9): xmax == xmin, zero width in the file's own coordinates. The difficult box is kept, flagged.
        Voc(dir, "img1", Obj("cat", 5, 5, 5, 9) + Obj("cat", 3, 4, 20, 30, difficult: 1));
        var log = new ListLog();
        var d = PascalVocLoader.Load("v", dir.At("voc"), "train", ["cat"], log);
        Assert.AreEqual(new ObjectAnnotation(2, 3, 20, 30, 0, Difficult: true), d.Records.Single().Annotations.Single());
        Assert.AreEqual(1, d.Summary.DroppedDegenerate);
        Assert.AreEqual(1, d.Summary.DifficultAnnotations);
        StringAssert.Contains(log.Warnings.Single(), "img1.xml: dropped 1 degenerate");
    }

    [TestMethod]
    public void MalformedXmlNamesFileAndLine()
    {
        using var dir = new TempDir();
        var xml = Voc(dir, "img1", "");
        File.WriteAllText(xml, "<annotation>\n<size><width>5</width>\n</annotation>");
        var e = Assert.ThrowsExactly<DatasetException>(() => PascalVocLoader.Load("v", dir.At("voc"), "train", null, new ListLog()));
        Assert.AreEqual(xml, e.FilePath);
        StringAssert.Contains(e.Message, "malformed XML at line 3");
    }

    [TestMethod]
    public void MissingImageNamesTheFile()
    {
        using var dir = new TempDir();
        Voc(dir, "img1", Obj("cat", 1, 1, 10, 10));
        File.Delete(dir.At("voc/JPEGImages/img1.jpg"));
        var e = Assert.ThrowsExactly<DatasetException>(() => PascalVocLoader.Load("v", dir.At("voc"), "train", null, new ListLog()));
        Assert.AreEqual(dir.At("voc/JPEGImages/img1.jpg"), e.FilePath);
    }
}
