using Rcnn.Training.Data;

namespace Rcnn.Training.Tests.Data;

[TestClass]
public sealed class PascalVocBccdTests
{
    private static LoadedDataset Load(string split, ListLog log, IReadOnlyList<string>? classes = null) =>
        PascalVocLoader.Load("bccd_" + split, DataTestFiles.BccdRoot, split, classes, log);

    [TestMethod]
    public void SplitSizesMatchTheImageSetLists()
    {
        // Truth: line counts of datasets/bccd/BCCD/ImageSets/Main/*.txt (wc -l).
        foreach (var (split, n) in new[] { ("train", 205), ("val", 87), ("trainval", 292), ("test", 72) })
        {
            var d = Load(split, new ListLog());
            Assert.AreEqual(n, d.Records.Count, split);
            Assert.AreEqual(n, d.Summary.Images, split);
        }
    }

    [TestMethod]
    public void ClassNamesAreDerivedSortedAndSaidSo()
    {
        var log = new ListLog();
        var d = Load("train", log);
        CollectionAssert.AreEqual(new[] { "Platelets", "RBC", "WBC" }, d.Metadata.ThingClasses.ToArray());
        Assert.IsTrue(log.Infos.Any(m => m.Contains("no class names given") && m.Contains("[Platelets, RBC, WBC]")), string.Join("\n", log.Infos));
        Assert.IsNull(d.Metadata.ThingDatasetIdToContiguousId);
    }

    [TestMethod]
    public void TheTwoDegenerateBoxesAreDroppedWithWarningsNamingTheirFiles()
    {
        // BloodImage_00338 and _00343 each hold one RBC with xmin == xmax and ymin == ymax; 00338 is in val, 00343 in train.
        var log = new ListLog();
        var d = Load("trainval", log);
        Assert.AreEqual(2, d.Summary.DroppedDegenerate);
        Assert.AreEqual(2, log.Warnings.Count, string.Join("\n", log.Warnings));
        Assert.IsTrue(log.Warnings.Any(w => w.Contains("BloodImage_00338.xml") && w.Contains("dropped 1 degenerate")));
        Assert.IsTrue(log.Warnings.Any(w => w.Contains("BloodImage_00343.xml") && w.Contains("dropped 1 degenerate")));
        Assert.AreEqual(0, d.Summary.Clipped);
        Assert.AreEqual(0, d.Summary.DroppedOutside);
        // 00338 had 'grep -c <object>' objects minus the dropped one.
        var xml = File.ReadAllText(Path.Combine(DataTestFiles.BccdRoot, "Annotations", "BloodImage_00338.xml"));
        int objects = xml.Split("<object>").Length - 1;
        Assert.AreEqual(objects - 1, d.Records.Single(r => r.ImageId == "BloodImage_00338").Annotations.Count);

        var train = new ListLog();
        Assert.AreEqual(1, Load("train", train).Summary.DroppedDegenerate);
        Assert.IsTrue(train.Warnings.Single().Contains("BloodImage_00343.xml"));
    }

    [TestMethod]
    public void KnownImageBoxesAreShiftedToZeroBased()
    {
        // BloodImage_00000.xml by hand: 20 objects; first WBC (260,177,491,376), then RBC (78,336,184,435);
        // the 8th RBC is (1,333,87,437). VOC is 1-based inclusive, so xmin/ymin drop by 1 and xmax/ymax stay.
        var d = Load("val", new ListLog(), ["RBC", "WBC", "Platelets"]);
        var r = d.Records.Single(x => x.ImageId == "BloodImage_00000");
        Assert.AreEqual(480, r.Height);
        Assert.AreEqual(640, r.Width);
        Assert.AreEqual(DataTestFiles.BccdImage("BloodImage_00000"), r.FileName);
        Assert.AreEqual(20, r.Annotations.Count);
        Assert.AreEqual(new ObjectAnnotation(259, 176, 491, 376, 1), r.Annotations[0]);
        Assert.AreEqual(new ObjectAnnotation(77, 335, 184, 435, 0), r.Annotations[1]);
        Assert.AreEqual(new ObjectAnnotation(0, 332, 87, 437, 0), r.Annotations[7]);
        CollectionAssert.AreEqual(new[] { "RBC", "WBC", "Platelets" }, d.Metadata.ThingClasses.ToArray());
    }

    [TestMethod]
    public void CatalogResolvesConfigNames()
    {
        var catalog = new DatasetCatalog(new ListLog());
        catalog.RegisterPascalVoc("bccd_train", DataTestFiles.BccdRoot, "train");
        catalog.RegisterPascalVoc("bccd_val", DataTestFiles.BccdRoot, "val");
        Assert.AreEqual(205 + 87, catalog.GetRecords(["bccd_train", "bccd_val"]).Count);
        Assert.AreSame(catalog.Get("bccd_train"), catalog.Get("bccd_train"));
        var e = Assert.ThrowsExactly<KeyNotFoundException>(() => catalog.Get("bccd_tset"));
        StringAssert.Contains(e.Message, "bccd_tset");
        StringAssert.Contains(e.Message, "bccd_train");
        Assert.ThrowsExactly<ArgumentException>(() => catalog.RegisterPascalVoc("bccd_val", DataTestFiles.BccdRoot, "val"));
    }

    [TestMethod]
    public void FilterEmptyDropsImagesWithoutNonCrowdBoxes()
    {
        var records = new[]
        {
            new DatasetRecord("a.jpg", 10, 10, "a", [new ObjectAnnotation(0, 0, 5, 5, 0)]),
            new DatasetRecord("b.jpg", 10, 10, "b", []),
            new DatasetRecord("c.jpg", 10, 10, "c", [new ObjectAnnotation(0, 0, 5, 5, 0, IsCrowd: true)]),
        };
        var log = new ListLog();
        var kept = DatasetCatalog.FilterEmpty(records, log);
        CollectionAssert.AreEqual(new[] { "a" }, kept.Select(r => r.ImageId).ToArray());
        StringAssert.Contains(log.Infos.Single(), "Removed 2 images");
    }
}
