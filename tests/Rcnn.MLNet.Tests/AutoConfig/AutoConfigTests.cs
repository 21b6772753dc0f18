using Rcnn.MLNet.AutoConfig;
using Rcnn.Tests.Shared;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Solver;

namespace Rcnn.MLNet.Tests.AutoConfig;

/// <summary>The auto-config's statistics and picks against hand-computed numbers. No training; about 1 s.</summary>
[TestClass]
public sealed class AutoConfigTests
{
    [TestMethod]
    public void StatisticsOfHandMadeRecords()
    {
        // Image A 100x50 (short side 50): boxes 10x10 and 20x5 -> sqrt areas 10 and 10 -> relative 0.2, 0.2; a crowd
        // box is left out. Image B 200x400 (short 200): a 40x40 box -> 0.2... and an 80x20 box -> 40/200 = 0.2; make
        // one different: 100x100 -> 0.5. Relative sizes sorted: [0.2, 0.2, 0.2, 0.5]; p50 = 0.2; p95 at position
        // 0.95*3 = 2.85 -> 0.2 + 0.85*0.3 = 0.455. Objects per image 2 and 2 -> mean 2, max 2; median short side of
        // {50, 200} = 125, long side of {100, 400} = 250.
        var records = new[]
        {
            new DatasetRecord("a.jpg", 50, 100, "a", [new(0, 0, 10, 10, 0), new(0, 0, 20, 5, 1), new(0, 0, 50, 50, 0, IsCrowd: true)]),
            new DatasetRecord("b.jpg", 400, 200, "b", [new(0, 0, 40, 40, 0), new(0, 0, 100, 100, 1)]),
        };
        var s = DatasetStatistics.From(records, 2);
        Assert.AreEqual(4, s.ObjectCount);
        Assert.AreEqual(0.2, s.RelativeSizeP50, 1e-12);
        Assert.AreEqual(0.455, s.RelativeSizeP95, 1e-12);
        Assert.AreEqual(0.2, s.RelativeSizeP5, 1e-12);
        Assert.AreEqual(125, s.MedianShortSide);
        Assert.AreEqual(250, s.MedianLongSide);
        Assert.AreEqual(2.0, s.MeanObjectsPerImage);
        Assert.AreEqual(2, s.MaxObjectsPerImage);
    }

    [TestMethod]
    public void BccdStatisticsMatchAnIndependentCount()
    {
        // Computed with /usr/bin/python3 (xml.etree + numpy) straight from datasets/bccd's trainval XML files, VOC
        // boxes (xmin-1, ymin-1, xmax, ymax) clipped to the image: 292 images, 3943 objects, median short side 480,
        // p5 / p50 / p95 of sqrt(w*h)/480 = 0.08938 / 0.21454 / 0.34833, 13.50 objects per image, at most 30. Our
        // loader drops 2 more degenerate boxes (3941), which moves the percentiles by less than 0.001.
        var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
        catalog.RegisterPascalVoc("bccd", MiniData.BccdRoot, "trainval", ["RBC", "WBC", "Platelets"]);
        var s = DatasetStatistics.From(catalog.GetRecords("bccd"), 3);
        Assert.AreEqual(292, s.ImageCount);
        Assert.AreEqual(3943, s.ObjectCount, 5);
        Assert.AreEqual(480, s.MedianShortSide);
        Assert.AreEqual(0.08938, s.RelativeSizeP5, 1e-3);
        Assert.AreEqual(0.21454, s.RelativeSizeP50, 1e-3);
        Assert.AreEqual(0.34833, s.RelativeSizeP95, 1e-3);
        Assert.AreEqual(13.50, s.MeanObjectsPerImage, 0.01);
        Assert.AreEqual(30, s.MaxObjectsPerImage);
    }

    private static DatasetStatistics Bccd => new(292, 3, 3943, 480, 640, 0.08938, 0.21454, 0.34833, 13.50, 30);

    [TestMethod]
    public void BccdPicks()
    {
        // Short side: 8 px / 0.08938 = 89.5 -> 96 after rounding up to 32 -> floor 256 wins (cap 512 for 20 min,
        // native 480). Long side: round(256 * 1333/800) = round(426.6) = 427. At 256 the 5th-percentile object is
        // 0.08938*256 = 22.9 px -> power of two below: 16 -> anchors 16..256. 13.5 objects/image <= 32 -> ROI 128;
        // max 30 objects -> 1.5*30 = 45 < 100 -> 100 detections. This is the quick-start BCCD config's size (256/427).
        var c = AutoConfigPicker.PickShape(Bccd, TimeSpan.FromMinutes(20));
        Assert.AreEqual(18, c.BackboneDepth);
        Assert.AreEqual(128, c.FpnChannels);  // under 1 h
        Assert.AreEqual(256, c.ShortSide);
        Assert.AreEqual(427, c.MaxSize);
        CollectionAssert.AreEqual(new double[] { 16, 32, 64, 128, 256 }, c.AnchorSizes.ToArray());
        Assert.AreEqual(128, c.RoiBatchSizePerImage);
        Assert.AreEqual(100, c.DetectionsPerImage);
        Assert.AreEqual(3, c.NumClasses);
        // Iterations, unmeasured reserve: 20 min -> 1200 * 0.9 - 30 = 1050 s of training; at 0.58 it/s
        // floor(609.0) = 609; LR step at floor(0.8 * 609) = 487; warm-up 609 / 6 = 101.
        Assert.AreEqual(609, AutoConfigPicker.PickIterations(c, TimeSpan.FromMinutes(20), 0.58, BudgetReserve.Unmeasured(TimeSpan.FromMinutes(20))));
        var cfg = AutoConfigPicker.BuildConfig(c);
        Assert.AreEqual(609, cfg.Solver.MaxIter);
        CollectionAssert.AreEqual(new[] { 487 }, cfg.Solver.Steps);
        Assert.AreEqual(101, cfg.Solver.WarmupIters);
        Assert.AreEqual(256, cfg.Input.MinSizeTest);
        Assert.AreEqual(427, cfg.Input.MaxSizeTrain);
        Assert.AreEqual(18, cfg.Model.ResNets.Depth);
        Assert.AreEqual(128, cfg.Model.Fpn.OutChannels);
        CollectionAssert.AreEqual(new double[] { 32 }, cfg.Model.AnchorGenerator.Sizes[1]);
        Assert.AreEqual(3, cfg.Model.RoiHeads.NumClasses);
    }

    [TestMethod]
    public void AFastMachineFillsTheBudgetAndValidationDecidesWhenToStop()
    {
        // 87 val images at 0.12 s: 30 + 2 * 0.12 * 87 = 50.88 s kept; 1200 - 50.88 = 1149.12 s at 2.2 it/s fit
        // floor(2528.06) = 2528 iterations: no epoch cap (the run's validation steps the LR when it stops improving).
        var c = AutoConfigPicker.PickShape(Bccd, TimeSpan.FromMinutes(20));
        Assert.AreEqual(2528, AutoConfigPicker.PickIterations(c, TimeSpan.FromMinutes(20), 2.2, BudgetReserve.Measured(87, 0.12)));
        StringAssert.Contains(c.Reasons.Single(r => r.Setting == "iterations").Why, "2.20 it/s measured x 1149 s");
        StringAssert.Contains(c.Reasons.Single(r => r.Setting == "iterations").Why, "or earlier when validation stops improving");
    }

    [TestMethod]
    public void PretrainedPicksBuildOnThePretrainedPresetAndSaySo()
    {
        var c = AutoConfigPicker.PickShape(Bccd, TimeSpan.FromMinutes(20), pretrained: true, pretrainedWhy: "restored with the build");
        Assert.IsTrue(c.Pretrained);
        Assert.AreEqual("R-18 FPN, ImageNet-pretrained, FrozenBN", c.Reasons.Single(r => r.Setting == "backbone").Value);
        StringAssert.Contains(c.Reasons.Single(r => r.Setting == "backbone").Why, "mlnet://ResNet18: restored with the build");
        var cfg = AutoConfigPicker.BuildConfig(c);
        Assert.AreEqual(("mlnet://ResNet18", "FrozenBN", 2, ""), (cfg.Model.Weights, cfg.Model.ResNets.Norm, cfg.Model.Backbone.FreezeAt, cfg.Model.Fpn.Norm));
        CollectionAssert.AreEqual(new[] { 2, 2, 2, 3 }, cfg.Model.ResNets.NumBlocksPerStage);
        Assert.AreEqual(128, cfg.Model.Fpn.OutChannels);
        var scratch = AutoConfigPicker.BuildConfig(AutoConfigPicker.PickShape(Bccd, TimeSpan.FromMinutes(20), pretrained: false, pretrainedWhy: "--from-scratch"));
        Assert.AreEqual(("", "GN", 0, "GN"), (scratch.Model.Weights, scratch.Model.ResNets.Norm, scratch.Model.Backbone.FreezeAt, scratch.Model.Fpn.Norm));
        // A pretrained pick stays R-18 where a from-scratch one would go deeper.
        var big = Bccd with { ImageCount = 1000 };
        Assert.AreEqual(18, AutoConfigPicker.PickShape(big, TimeSpan.FromHours(2), pretrained: true).BackboneDepth);
        Assert.AreEqual(34, AutoConfigPicker.PickShape(big, TimeSpan.FromHours(2), pretrained: false).BackboneDepth);
    }

    [TestMethod]
    public void AMeasuredReserveKeepsWhatEvaluationNeedsNotATenthOfTheBudget()
    {
        // 87 val + 5 preview images at 0.15 s each: 30 + 2 * 0.15 * 92 = 57.6 s kept; 1200 - 57.6 = 1142.4 s of training,
        // at 0.58 it/s floor(662.59) = 662 iterations (609 with the unmeasured 10% and 30 s).
        var reserve = BudgetReserve.Measured(92, 0.15);
        Assert.AreEqual(57.6, reserve.Seconds, 1e-9);
        Assert.AreEqual("58 s: 0.15 s/image measured, twice for 92 test and preview images, and 30 s for the artefacts", reserve.Why);
        var c = AutoConfigPicker.PickShape(Bccd, TimeSpan.FromMinutes(20));
        Assert.AreEqual(662, AutoConfigPicker.PickIterations(c, TimeSpan.FromMinutes(20), 0.58, reserve));
        StringAssert.Contains(c.Reasons.Single(r => r.Setting == "iterations").Why, "0.58 it/s measured x 1142 s (the budget left less 58 s: 0.15 s/image");
        // Validating while training: 20 evaluations of 50 images, once each: 57.6 + 0.15 * 1000 = 207.6 s.
        Assert.AreEqual(207.6, BudgetReserve.Measured(92, 0.15, 20 * 50).Seconds, 1e-9);
        // Validation is reserved when iterations are picked, but it happens before the training deadline.
        var validating = BudgetReserve.Measured(92, 0.15, 20 * 50);
        Assert.AreEqual(150, validating.WhileTrainingSeconds, 1e-9);
        Assert.AreEqual(57.6, validating.AfterTrainingSeconds, 1e-9);
        Assert.AreEqual(36000 - 207.6, validating.TrainingSeconds(TimeSpan.FromHours(10)), 1e-9);
        Assert.AreEqual(36000 - 57.6, validating.TrainingWindowSeconds(TimeSpan.FromHours(10)), 1e-9);
        Assert.AreEqual(0, BudgetReserve.Unmeasured(TimeSpan.FromHours(10)).WhileTrainingSeconds);
        StringAssert.Contains(BudgetReserve.Measured(92, 0.15, 1000).Why, "1000 validation predictions while training");
        // A ten-hour budget keeps the same minute, not an hour; with no test data only the artefacts' 30 s.
        Assert.AreEqual(36000 - 57.6, reserve.TrainingSeconds(TimeSpan.FromHours(10)), 1e-9);
        Assert.AreEqual(3630, BudgetReserve.Unmeasured(TimeSpan.FromHours(10)).Seconds, 1e-9);
        Assert.AreEqual(30, BudgetReserve.Measured(0, double.NaN).Seconds);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BudgetReserve.Measured(10, double.NaN));
    }

    [TestMethod]
    public void TinyObjectsRaiseTheSizeUpToTheBudgetCap()
    {
        // Objects at 1% of a 1000-px short side: 8 / 0.01 = 800 px needed. A 20-min budget caps at 512; 2 h allows
        // 800. At 512 the p5 object is 5.1 px -> power of two 4 -> clamped to 8: anchors 8..128. 40 objects per image
        // on average -> ROI 256; at most 90 -> 135 detections. 2 h with only 500 images keeps R-18.
        var s = new DatasetStatistics(500, 5, 20000, 1000, 1500, 0.01, 0.03, 0.1, 40, 90);
        var c = AutoConfigPicker.PickShape(s, TimeSpan.FromMinutes(20));
        Assert.AreEqual(512, c.ShortSide);
        CollectionAssert.AreEqual(new double[] { 8, 16, 32, 64, 128 }, c.AnchorSizes.ToArray());
        Assert.AreEqual(256, c.RoiBatchSizePerImage);
        Assert.AreEqual(135, c.DetectionsPerImage);
        var longer = AutoConfigPicker.PickShape(s, TimeSpan.FromHours(2));
        Assert.AreEqual(800, longer.ShortSide);
        Assert.AreEqual(256, longer.FpnChannels);  // detectron2's width from 1 h
        Assert.AreEqual(18, longer.BackboneDepth);
        Assert.AreEqual(34, AutoConfigPicker.PickShape(s with { ImageCount = 1000 }, TimeSpan.FromHours(2)).BackboneDepth);
        // Short budgets cap at 320 even when the objects would like more; small images are not upscaled past their size.
        Assert.AreEqual(320, AutoConfigPicker.PickShape(s, TimeSpan.FromMinutes(5)).ShortSide);
        Assert.AreEqual(256, AutoConfigPicker.PickShape(s with { MedianShortSide = 200 }, TimeSpan.FromHours(2)).ShortSide);
    }
}
