using Rcnn.Training.Data;

namespace Rcnn.Training.Tests.Data;

/// <summary>The bundled playing-card photos (datasets/cards) as registered builtins, against the figures in
/// datasets/README.md (counted from the XML by tools/datasets/voc_stats.py).</summary>
[TestClass]
public sealed class CardsDatasetTests
{
    [TestMethod]
    [DataRow("cards_train", 296, new[] { 89, 82, 89, 80, 95, 92 })]
    [DataRow("cards_test", 67, new[] { 26, 18, 24, 26, 23, 26 })]
    public void BuiltinSplitsHoldTheAuthorsImagesAndObjects(string name, int images, int[] perClass)
    {
        var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
        BuiltinDatasets.RegisterAll(catalog);
        var d = catalog.Get(name);
        Assert.AreEqual(images, d.Records.Count);
        CollectionAssert.AreEqual(new[] { "nine", "ten", "jack", "queen", "king", "ace" }, d.Metadata.ThingClasses.ToArray());
        var counts = Enumerable.Range(0, 6).Select(c => d.Records.Sum(r => r.Annotations.Count(a => a.CategoryId == c))).ToArray();
        CollectionAssert.AreEqual(perClass, counts);
        Assert.IsTrue(d.Records.All(r => r.Annotations.Count >= 1));
    }
}
