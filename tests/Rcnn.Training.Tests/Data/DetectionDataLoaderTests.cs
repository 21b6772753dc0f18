using System.Diagnostics;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;
using SkiaSharp;
using TorchSharp;

namespace Rcnn.Training.Tests.Data;

[TestClass]
public sealed class DetectionDataLoaderTests
{
    /// <summary>Sleeps before mapping: stands in for slow decoding without using CPU, so timing holds on a busy machine.</summary>
    private sealed class SlowMapper(IDatasetMapper inner, int delayMs) : IDatasetMapper
    {
        public MappedSample Map(DatasetRecord record, Random rng)
        {
            Thread.Sleep(delayMs);
            return inner.Map(record, rng);
        }
    }

    /// <summary>12 landscape (60x40) and 8 portrait (40x60) PNGs, each with one box.</summary>
    private static List<DatasetRecord> Synthetic(TempDir dir)
    {
        var records = new List<DatasetRecord>();
        for (int i = 0; i < 20; i++)
        {
            bool landscape = i % 5 < 3;
            int w = landscape ? 60 : 40, h = landscape ? 40 : 60;
            var path = DataTestFiles.WriteImage(dir.At($"i{i}.png"), w, h, (x, y) => new SKColor((byte)(i * 10), (byte)x, (byte)y));
            records.Add(new DatasetRecord(path, h, w, $"i{i}", [new ObjectAnnotation(2, 3, 20 + i, 30, i % 3)]));
        }
        return records;
    }

    private static DatasetMapper TrainMapper() =>
        new(true, new AugmentationList([new ResizeShortestEdge([20, 30, 40], 100), new RandomFlip()]), "BGR");

    private static void DisposeAll(IEnumerable<MappedSample> samples)
    {
        foreach (var s in samples) s.Dispose();
    }

    [TestMethod]
    public void BatchesHaveTheBatchSizeAndOneOrientation()
    {
        using var dir = new TempDir();
        var records = Synthetic(dir);
        using var loader = DetectionDataLoader.CreateTrain(records, TrainMapper(), batchSize: 4, numWorkers: 2, seed: 1, log: new ListLog());
        int landscape = 0, portrait = 0;
        for (int b = 0; b < 15; b++)
        {
            var batch = loader.NextBatch()!;
            Assert.AreEqual(4, batch.Count);
            var wide = batch.Select(s => s.Image.shape[2] > s.Image.shape[1]).Distinct().ToArray();
            Assert.AreEqual(1, wide.Length, $"batch {b} mixes orientations");
            // The mapped orientation agrees with the record's: grouping did not rely on a coincidence of the resize.
            Assert.IsTrue(batch.All(s => (s.Width > s.Height) == wide[0]));
            if (wide[0]) landscape++; else portrait++;
            DisposeAll(batch);
        }
        Assert.IsTrue(landscape > 0 && portrait > 0, $"{landscape} landscape, {portrait} portrait batches");
    }

    [TestMethod]
    public void SameSeedSameBatchesDifferentSeedDifferentOrder()
    {
        using var dir = new TempDir();
        var records = Synthetic(dir);
        List<string> Run(int seed, int workers)
        {
            using var loader = DetectionDataLoader.CreateTrain(records, TrainMapper(), 2, workers, seed: seed, log: new ListLog());
            var keys = new List<string>();
            for (int b = 0; b < 12; b++)
            {
                var batch = loader.NextBatch()!;
                foreach (var s in batch)
                {
                    var box = s.Instances!.GtBoxes.Tensor.data<float>().ToArray();
                    keys.Add($"{s.ImageId} {string.Join("x", s.Image.shape)} {string.Join(",", box)} {s.Image.sum().ToSingle()}");
                }
                DisposeAll(batch);
            }
            return keys;
        }
        var a = Run(7, 2);
        CollectionAssert.AreEqual(a, Run(7, 2));
        CollectionAssert.AreEqual(a, Run(7, 0));  // the worker count does not change the stream
        CollectionAssert.AreNotEqual(a.Select(k => k.Split(' ')[0]).ToList(), Run(8, 2).Select(k => k.Split(' ')[0]).ToList());
        // Augmentation really varies: several short sides and both flip states occur.
        Assert.IsTrue(a.Select(k => k.Split(' ')[1]).Distinct().Count() >= 3);
    }

    [TestMethod]
    public void FilterEmptyAnnotationsKeepsEmptyImagesOutOfTraining()
    {
        using var dir = new TempDir();
        var records = Synthetic(dir);
        for (int i = 0; i < records.Count; i += 2) records[i] = records[i] with { Annotations = [] };
        var log = new ListLog();
        using var loader = DetectionDataLoader.CreateTrain(records, TrainMapper(), 2, numWorkers: 1, seed: 0, log: log);
        StringAssert.Contains(log.Infos.Single(), "Removed 10 images");
        for (int b = 0; b < 10; b++)
        {
            var batch = loader.NextBatch()!;
            Assert.IsTrue(batch.All(s => int.Parse(s.ImageId[1..]) % 2 == 1 && s.Instances!.Count == 1));
            DisposeAll(batch);
        }
        using var unfiltered = DetectionDataLoader.CreateTrain(records, TrainMapper(), 2, numWorkers: 1, seed: 0, filterEmptyAnnotations: false);
        var seen = Enumerable.Range(0, 20).SelectMany(_ => unfiltered.NextBatch()!).ToList();
        Assert.IsTrue(seen.Any(s => s.Instances!.Count == 0));
        DisposeAll(seen);
    }

    [TestMethod]
    public void TrainingSamplerYieldsSeededPermutations()
    {
        var s = new TrainingSampler(10, seed: 5).Take(30).ToArray();
        for (int e = 0; e < 3; e++)
            CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).ToArray(), s[(e * 10)..(e * 10 + 10)]);
        CollectionAssert.AreNotEqual(s[..10], s[10..20]);
        CollectionAssert.AreEqual(s, new TrainingSampler(10, seed: 5).Take(30).ToArray());
        CollectionAssert.AreNotEqual(s, new TrainingSampler(10, seed: 6).Take(30).ToArray());
    }

    [TestMethod]
    public void WorkersHideDataTimeBehindASlowConsumer()
    {
        using var dir = new TempDir();
        var records = Synthetic(dir);
        // Each sample takes >= 100 ms to map, so a batch of 2 costs >= 200 ms sequentially. The consumer "trains" 250 ms
        // per batch; two workers produce a batch per ~100 ms, so after the first batch the consumer should hardly wait.
        const int batches = 8;
        var slow = new SlowMapper(TrainMapper(), 100);

        using var parallel = DetectionDataLoader.CreateTrain(records, slow, 2, numWorkers: 2, aspectRatioGrouping: false, seed: 3, log: new ListLog());
        var wall = Stopwatch.StartNew();
        for (int b = 0; b < batches; b++)
        {
            DisposeAll(parallel.NextBatch()!);
            Thread.Sleep(250);
        }
        wall.Stop();
        Console.WriteLine($"2 workers: data wait {parallel.DataWaitTime.TotalMilliseconds:F0} ms over {batches} batches, wall {wall.Elapsed.TotalMilliseconds:F0} ms");
        Assert.AreEqual(2, parallel.PeakConcurrentMaps);
        // Sequential data time would be >= 8 * 200 ms = 1600 ms; the first batch alone costs ~100-200 ms.
        Assert.IsTrue(parallel.DataWaitTime < TimeSpan.FromMilliseconds(600), $"data wait {parallel.DataWaitTime.TotalMilliseconds:F0} ms");
        Assert.IsTrue(wall.Elapsed < TimeSpan.FromMilliseconds(batches * 250 + 900), $"wall {wall.Elapsed.TotalMilliseconds:F0} ms");

        using var inline = DetectionDataLoader.CreateTrain(records, slow, 2, numWorkers: 0, aspectRatioGrouping: false, seed: 3, log: new ListLog());
        for (int b = 0; b < 3; b++) DisposeAll(inline.NextBatch()!);
        Assert.IsTrue(inline.DataWaitTime >= TimeSpan.FromMilliseconds(3 * 200 - 30), $"inline data wait {inline.DataWaitTime.TotalMilliseconds:F0} ms");
    }

    [TestMethod]
    public void PrefetchIsBounded()
    {
        using var dir = new TempDir();
        var records = Synthetic(dir);
        var counting = new CountingMapper(TrainMapper());
        using var loader = DetectionDataLoader.CreateTrain(records, counting, 2, numWorkers: 2, aspectRatioGrouping: false, seed: 3,
            log: new ListLog(), prefetch: 5);
        // No consumer: the workers must stop after 5 samples.
        Assert.IsTrue(SpinWait.SpinUntil(() => counting.Calls >= 5, 5000));
        Thread.Sleep(300);
        Assert.AreEqual(5, counting.Calls);
        DisposeAll(loader.NextBatch()!);
        Assert.IsTrue(SpinWait.SpinUntil(() => counting.Calls >= 7, 5000));
        Thread.Sleep(300);
        Assert.AreEqual(7, counting.Calls);  // two taken, two more made
    }

    private sealed class CountingMapper(IDatasetMapper inner) : IDatasetMapper
    {
        private int calls;
        public int Calls => Volatile.Read(ref calls);

        public MappedSample Map(DatasetRecord record, Random rng)
        {
            Interlocked.Increment(ref calls);
            return inner.Map(record, rng);
        }
    }

    [TestMethod]
    public void TestLoaderIsOrderedAndFinite()
    {
        using var dir = new TempDir();
        var records = Synthetic(dir).Take(5).ToList();
        var mapper = new DatasetMapper(false, AugmentationList.Build(new InputConfig { MinSizeTest = 80, MaxSizeTest = 200 }, false));
        using var loader = DetectionDataLoader.CreateTest(records, mapper, numWorkers: 2, batchSize: 2);
        var batches = loader.Batches().ToList();
        CollectionAssert.AreEqual(new[] { 2, 2, 1 }, batches.Select(b => b.Count).ToArray());
        CollectionAssert.AreEqual(records.Select(r => r.ImageId).ToArray(), batches.SelectMany(b => b).Select(s => s.ImageId).ToArray());
        Assert.IsNull(loader.NextBatch());
        DisposeAll(batches.SelectMany(b => b));
    }

    [TestMethod]
    public void WorkerErrorsReachTheConsumerWithTheirType()
    {
        using var dir = new TempDir();
        var records = Synthetic(dir).Take(3).ToList();
        File.WriteAllBytes(records[1].FileName, [1, 2, 3, 4]);
        using var loader = DetectionDataLoader.CreateTest(records, TrainMapper(), numWorkers: 2);
        DisposeAll(loader.NextBatch()!);
        var e = Assert.ThrowsExactly<DatasetException>(() => loader.NextBatch());
        Assert.AreEqual(records[1].FileName, e.FilePath);
    }

    [TestMethod]
    public void CancellationAndDisposeStopPromptly()
    {
        using var dir = new TempDir();
        var records = Synthetic(dir);
        using var cts = new CancellationTokenSource();
        var loader = DetectionDataLoader.CreateTrain(records, new SlowMapper(TrainMapper(), 2000), 2, numWorkers: 2, seed: 0,
            log: new ListLog(), cancellationToken: cts.Token);
        cts.CancelAfter(100);
        var watch = Stopwatch.StartNew();
        Assert.ThrowsExactly<OperationCanceledException>(() => loader.NextBatch());
        loader.Dispose();  // waits for the two in-flight maps (<= 2 s), then frees what they made
        Assert.IsTrue(watch.Elapsed < TimeSpan.FromSeconds(4), $"{watch.Elapsed.TotalSeconds:F1} s");
        Assert.ThrowsExactly<ObjectDisposedException>(() => loader.NextBatch());
    }

    [TestMethod]
    public void BccdTrainsThroughTheWholePipeline()
    {
        var log = new ListLog();
        var catalog = new DatasetCatalog(log);
        catalog.RegisterPascalVoc("bccd_train", DataTestFiles.BccdRoot, "train");
        var cfg = new RcnnConfig();
        cfg.Datasets.Train = ["bccd_train"];
        cfg.Solver.ImsPerBatch = 2;
        cfg.DataLoader.NumWorkers = 2;
        var records = catalog.GetRecords(cfg.Datasets.Train);
        Assert.AreEqual(205, records.Count);
        var mapper = new DatasetMapper(true, AugmentationList.Build(cfg.Input, true), cfg.Input.Format);
        for (int i = 0; i < 2; i++) mapper.Map(records[i], new Random(i)).Dispose();
        var timer = Stopwatch.StartNew();
        for (int i = 2; i < 8; i++) mapper.Map(records[i], new Random(i)).Dispose();
        Console.WriteLine($"BCCD map (decode 640x480 JPEG, resize to 800x1067, flip, tensor): {timer.Elapsed.TotalMilliseconds / 6:F1} ms per image");
        using var loader = DetectionDataLoader.CreateTrain(cfg, records, seed: 0, log);
        Assert.IsTrue(log.Infos.Any(i => i.StartsWith("Removed 0 images")));  // every BCCD train image has a box
        Assert.IsTrue(log.Infos.Contains("Using training sampler TrainingSampler."));
        for (int b = 0; b < 2; b++)
        {
            var batch = loader.NextBatch()!;
            foreach (var s in batch)
            {
                // 480x640 at the default MIN_SIZE_TRAIN 800 -> 800x1067.
                CollectionAssert.AreEqual(new long[] { 3, 800, 1067 }, s.Image.shape);
                Assert.IsTrue(s.Instances!.Count > 0);
                Assert.IsTrue(s.Instances.GtClasses.max().ToInt64() <= 2);
                Assert.IsTrue(s.Image.max().ToSingle() <= 255f && s.Image.min().ToSingle() >= 0f);
            }
            DisposeAll(batch);
        }
    }
}
