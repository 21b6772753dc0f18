using System.Diagnostics;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;
using Rcnn.Training.Evaluation;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Solver;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling.MetaArch;

/// <summary>From scratch, the detector must be able to memorise a few real BCCD images: the total loss falls at least
/// 5x and it then finds those images' boxes (COCO AP50 on them >= 0.9).</summary>
[TestClass]
public class OverfitTests
{
    [TestMethod]
    public void LearnsTwoBccdImagesFromScratch()
    {
        var clock = Stopwatch.StartNew();
        manual_seed(7);
        var cfg = RcnnConfig.FromFile(Path.Combine(AppContext.BaseDirectory, "models", "CPU", "faster_rcnn_R_18_FPN_bccd.yaml"));
        cfg.MergeFromList(new[]
        {
            "INPUT.MIN_SIZE_TRAIN", "(256,)", "INPUT.RANDOM_FLIP", "none", "SOLVER.BASE_LR", "0.02", "SOLVER.WARMUP_ITERS", "20",
            "SOLVER.MAX_ITER", "160", "SOLVER.STEPS", "(130,)", "MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", "128",
        });
        var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
        BuiltinDatasets.RegisterAll(catalog);
        var dataset = catalog.Get("bccd_train");
        var records = dataset.Records.Take(2).ToList();
        var mapper = new DatasetMapper(true, AugmentationList.Build(cfg.Input, isTrain: true), cfg.Input.Format);
        var samples = records.Select(r => mapper.Map(r, new Random(0))).ToList();
        var inputs = samples.Select(s => new DetectionInput(s.Image, s.Instances)).ToList();

        using var model = GeneralizedRcnn.FromConfig(cfg);
        model.train();
        using var optimizer = OptimizerBuilder.BuildSgd(model, cfg.Solver);
        var schedule = LrSchedule.FromConfig(cfg.Solver);
        var clipper = GradientClipper.FromConfig(cfg.Solver);
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        var totals = new List<double>();
        for (int it = 0; it < cfg.Solver.MaxIter; it++)
        {
            using var scope = NewDisposeScope();
            schedule.ApplyTo(optimizer, it);
            var total = model.Losses(inputs).Values.Aggregate((a, b) => a + b);
            optimizer.zero_grad();
            total.backward();
            clipper?.Clip(trainable);
            optimizer.step();
            totals.Add(total.item<float>());
        }
        double first = Median(totals.Take(20)), last = Median(totals.TakeLast(20));

        cfg.MergeFromList(new[] { "INPUT.MIN_SIZE_TEST", "256" });
        var result = DatasetEvaluation.Evaluate(model, records, dataset.Metadata, cfg);
        foreach (var s in samples) s.Dispose();
        Console.WriteLine($"total loss {first:F3} -> {last:F3} ({first / last:F1}x), AP50 {result.AP50:F3}, AP {result.AP:F3}, {clock.Elapsed.TotalSeconds:F0} s");
        Assert.IsTrue(first / last >= 5, $"total loss fell only {first / last:F2}x ({first:F3} -> {last:F3})");
        Assert.IsTrue(result.AP50 >= 0.9, $"AP50 on the memorised images is {result.AP50:F3}");
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToList();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }
}
