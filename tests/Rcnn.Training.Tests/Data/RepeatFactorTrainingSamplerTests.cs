using Rcnn.Training.Config;
using Rcnn.Training.Data;

namespace Rcnn.Training.Tests.Data;

/// <summary>DATALOADER.SAMPLER_TRAIN "RepeatFactorTrainingSampler": LVIS repeat factors, worked by hand, and the stream.</summary>
[TestClass]
public sealed class RepeatFactorTrainingSamplerTests
{
    private static DatasetRecord Image(int i, params int[] categories) =>
        new($"{i}.jpg", 10, 10, i.ToString(), categories.Select(c => new ObjectAnnotation(0, 0, 5, 5, c)).ToList());

    /// <summary>Ten images: category 0 in all ten, 1 in one (f = 0.1), 2 in four (f = 0.4), one image with nothing.</summary>
    private static List<DatasetRecord> TenImages()
    {
        var records = Enumerable.Range(0, 9).Select(i => Image(i, 0, 0)).ToList();
        records[0] = Image(0, 0, 1, 2);
        for (int i = 1; i <= 3; i++) records[i] = Image(i, 0, 2, 2);
        records.Add(Image(9));
        return records;
    }

    [TestMethod]
    public void RepeatFactorsFollowTheRarestCategoryOfEachImage()
    {
        // Category 0 is in 9 of 10 images (image 9 has none): f = 0.9; 1: f = 0.1; 2: f = 0.4. Threshold t = 0.4:
        // sqrt: r(0) = max(1, sqrt(0.4/0.9)) = 1, r(1) = sqrt(4) = 2, r(2) = sqrt(1) = 1; an image takes its largest.
        var log = new ListLog();
        var r = RepeatFactorTrainingSampler.RepeatFactorsFromCategoryFrequency(TenImages(), 0.4, sqrt: true, log);
        CollectionAssert.AreEqual(new[] { 2.0, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, r);
        CollectionAssert.AreEqual(new[]
        {
            "Category 0: in 0.90 of the images, repeat factor 1.00.",
            "Category 1: in 0.10 of the images, repeat factor 2.00.",
            "Category 2: in 0.40 of the images, repeat factor 1.00.",
        }, log.Infos);
        // Without sqrt: r(1) = 0.8/0.1 = 8, r(2) = 0.8/0.4 = 2, r(0) = max(1, 0.8/0.9) = 1.
        r = RepeatFactorTrainingSampler.RepeatFactorsFromCategoryFrequency(TenImages(), 0.8, sqrt: false);
        CollectionAssert.AreEqual(new[] { 8.0, 2, 2, 2, 1, 1, 1, 1, 1, 1 }, r);
        // Threshold 0 (the default) repeats nothing.
        Assert.IsTrue(RepeatFactorTrainingSampler.RepeatFactorsFromCategoryFrequency(TenImages(), 0).All(x => x == 1));
    }

    [TestMethod]
    public void FractionalFactorsHoldOnAverageAndWholeOnesExactly()
    {
        var sampler = new RepeatFactorTrainingSampler([1.0, 2.5, 0.25], seed: 7);
        var counts = new int[3];
        foreach (int i in sampler.Take(37500)) counts[i]++;
        // An epoch averages 3.75 indices: 10000 epochs, so about 10000, 25000 and 2500 of each.
        Assert.IsTrue(Math.Abs(counts[0] - 10000) < 300, $"image 0 came {counts[0]} times");
        Assert.IsTrue(Math.Abs(counts[1] - 25000) < 300, $"image 1 came {counts[1]} times");
        Assert.IsTrue(Math.Abs(counts[2] - 2500) < 200, $"image 2 came {counts[2]} times");

        // Whole factors: every epoch is a shuffle of exactly those repeats.
        var whole = new RepeatFactorTrainingSampler([1.0, 3.0, 2.0], seed: 1).Take(600).Chunk(6).ToList();
        foreach (var epoch in whole) CollectionAssert.AreEqual(new[] { 0, 1, 1, 1, 2, 2 }, epoch.Order().ToArray());
        Assert.IsTrue(whole.Select(e => string.Join(",", e)).Distinct().Count() > 30, "epochs are shuffled");
    }

    [TestMethod]
    public void SeedGivesTheStreamAndFactorsAreChecked()
    {
        var a = new RepeatFactorTrainingSampler([1.5, 1.0, 2.2], seed: 3).Take(200).ToArray();
        CollectionAssert.AreEqual(a, new RepeatFactorTrainingSampler([1.5, 1.0, 2.2], seed: 3).Take(200).ToArray());
        CollectionAssert.AreNotEqual(a, new RepeatFactorTrainingSampler([1.5, 1.0, 2.2], seed: 4).Take(200).ToArray());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RepeatFactorTrainingSampler([1.0, -1.0], 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RepeatFactorTrainingSampler([double.NaN], 0));
        Assert.ThrowsExactly<ArgumentException>(() => new RepeatFactorTrainingSampler([0.0, 0.0], 0));
    }

    [TestMethod]
    public void TheConfigChoosesTheSamplerOfTheTrainLoader()
    {
        // Image 0 holds the rare category: with t = 0.4 and no sqrt it repeats 4 times an epoch, the other nine once.
        var records = TenImages();
        var cfg = new RcnnConfig();
        cfg.MergeFromList(["DATALOADER.SAMPLER_TRAIN", "RepeatFactorTrainingSampler", "DATALOADER.REPEAT_THRESHOLD", "0.4",
            "DATALOADER.REPEAT_SQRT", "False", "DATALOADER.FILTER_EMPTY_ANNOTATIONS", "False", "SOLVER.IMS_PER_BATCH", "1",
            "DATALOADER.NUM_WORKERS", "0"]);
        var mapper = new RecordingMapper();
        var log = new ListLog();
        using (var loader = DetectionDataLoader.CreateTrain(cfg, records, seed: 5, log, mapper: mapper))
            for (int b = 0; b < 130; b++)
                foreach (var s in loader.NextBatch()!) s.Dispose();
        Assert.IsTrue(log.Infos.Contains("Using training sampler RepeatFactorTrainingSampler."));
        Assert.IsTrue(log.Infos.Contains("Category 1: in 0.10 of the images, repeat factor 4.00."));
        // Mapped on this thread in stream order (no workers).
        int zeros = mapper.Mapped.Take(130).Count(id => id == "0");
        Assert.AreEqual(40, zeros);  // 10 epochs of 13
    }

    /// <summary>Records which image each sample was, without reading any file.</summary>
    private sealed class RecordingMapper : IDatasetMapper
    {
        public List<string> Mapped { get; } = [];

        public MappedSample Map(DatasetRecord record, Random rng)
        {
            lock (Mapped) Mapped.Add(record.ImageId);
            return new MappedSample(TorchSharp.torch.zeros(3, 10, 10), new Rcnn.Training.Structures.Instances(10, 10), record);
        }
    }
}
