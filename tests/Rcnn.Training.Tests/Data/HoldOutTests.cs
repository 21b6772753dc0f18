using Rcnn.Training.Data;

namespace Rcnn.Training.Tests.Data;

/// <summary>Which images a run validates on: hand-computed counts, seeded draws, never overlapping the training images.</summary>
[TestClass]
public sealed class HoldOutTests
{
    private static List<DatasetRecord> Records(int n) =>
        Enumerable.Range(0, n).Select(i => new DatasetRecord($"img{i:D4}.jpg", 10, 10, $"img{i:D4}", [new(0, 0, 5, 5, 0)])).ToList();

    [TestMethod]
    [DataRow(296, 44)]   // round(0.15 * 296 = 44.4)
    [DataRow(205, 31)]   // round(30.75)
    [DataRow(60, 10)]    // round(9) -> at least 10
    [DataRow(40, 10)]    // round(6) -> at least 10
    [DataRow(39, 0)]     // too few to spare any
    [DataRow(1000, 50)]  // round(150) -> at most 50
    public void HoldsOutFifteenPercentBetweenTenAndFifty(int images, int held) => Assert.AreEqual(held, HoldOut.Count(images));

    [TestMethod]
    public void TheSplitIsDisjointCompleteAndTheSameForTheSameSeed()
    {
        var records = Records(296);
        var (train, validation) = HoldOut.Split(records, 42);
        Assert.AreEqual(44, validation.Count);
        Assert.AreEqual(252, train.Count);
        Assert.AreEqual(0, train.Select(r => r.ImageId).Intersect(validation.Select(r => r.ImageId)).Count());
        var (_, again) = HoldOut.Split(Enumerable.Reverse(records).ToList(), 42);
        CollectionAssert.AreEquivalent(validation.Select(r => r.ImageId).ToList(), again.Select(r => r.ImageId).ToList(), "order of the input does not matter");
        var (_, other) = HoldOut.Split(records, 7);
        CollectionAssert.AreNotEquivalent(validation.Select(r => r.ImageId).ToList(), other.Select(r => r.ImageId).ToList());
    }

    [TestMethod]
    public void AValidationSplitIsCutToFiftyAndRegisteredBesideTheTrainingImages()
    {
        var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
        var metadata = new DatasetMetadata("x", ["a"]);
        catalog.Register("all", _ => new LoadedDataset(Records(100), metadata, new DatasetSummary { Name = "all" }));
        catalog.Register("val", _ => new LoadedDataset(Records(87), metadata, new DatasetSummary { Name = "val" }));
        string how = HoldOut.Register(catalog, "all", "val", "train", "validation", 1);
        Assert.AreEqual(100, catalog.GetRecords("train").Count);
        Assert.AreEqual(50, catalog.GetRecords("validation").Count);
        StringAssert.Contains(how, "50 of the 87 images of 'val'");

        catalog.Register("small", _ => new LoadedDataset(Records(30), metadata, new DatasetSummary { Name = "small" }));
        StringAssert.Contains(HoldOut.Register(catalog, "small", null, "t2", "v2", 1), "too few to hold any out");
        Assert.AreEqual(0, catalog.GetRecords("v2").Count);
        Assert.AreEqual(30, catalog.GetRecords("t2").Count);
    }
}
