using System.Diagnostics;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;
using Rcnn.Training.Evaluation;

namespace Rcnn.MLNet.AutoConfig;

/// <summary>What <see cref="ThroughputProbe.Measure"/> timed: training iterations per second and, when it was given
/// images, seconds to evaluate one at the test size (NaN otherwise).</summary>
public sealed record ThroughputMeasurement(double IterationsPerSecond, double InferenceSecondsPerImage);

/// <summary>
/// Measures training iterations per second for a config on this machine: a few real iterations into a scratch
/// folder (deleted afterwards), with the thread count the run will use; the first ones (start-up, allocation) are
/// not counted. Given images, it then times evaluating them with the probe's model (the median of six single images
/// after one untimed), which is what evaluation and the preview images cost per image.
/// </summary>
public static class ThroughputProbe
{
    public static ThroughputMeasurement Measure(RcnnConfig cfg, DatasetCatalog catalog, string scratchDir, int? numThreads,
        IReadOnlyList<DatasetRecord>? inferenceImages = null, int iterations = 10, int skip = 4)
    {
        var probe = cfg.Clone();
        probe.MergeFromList(["SOLVER.MAX_ITER", iterations.ToString(), "SOLVER.STEPS", $"({iterations - 1},)", "SOLVER.WARMUP_ITERS", "1",
            "SOLVER.CHECKPOINT_PERIOD", "1000000", "TEST.EVAL_PERIOD", "0", "MODEL.WEIGHTS", ""]);
        probe.Datasets.Test.Clear();
        probe.OutputDir = scratchDir;
        try
        {
            using var trainer = new DefaultTrainer(probe, catalog, new DefaultTrainerOptions { NumThreads = numThreads, Log = _ => { }, LogPeriod = 1000000, LossCurvePeriod = 1000000 });
            trainer.Train();
            var times = trainer.Trainer!.Storage.History("time").Skip(skip).Select(t => t.Value).Order().ToList();
            if (times.Count == 0) throw new InvalidOperationException("The throughput probe recorded no iteration times.");
            double median = times[times.Count / 2];
            return new ThroughputMeasurement(1.0 / median, InferenceSeconds(trainer, probe, inferenceImages));
        }
        finally
        {
            if (Directory.Exists(scratchDir)) Directory.Delete(scratchDir, recursive: true);
        }
    }

    // The median of six timed single-image evaluations after one untimed: single ones on a shared host spread widely
    // (docs/rcnn-tool.md), and the reserve's factor of two covers the spread.
    private static double InferenceSeconds(DefaultTrainer trainer, RcnnConfig cfg, IReadOnlyList<DatasetRecord>? images)
    {
        if (images is null || images.Count == 0) return double.NaN;
        var metadata = new DatasetMetadata("probe", Enumerable.Range(0, cfg.Model.RoiHeads.NumClasses).Select(i => $"class_{i}").ToList());
        var times = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            var watch = Stopwatch.StartNew();
            DatasetEvaluation.Evaluate(trainer.Model, [images[i % images.Count]], metadata, cfg);
            if (i > 0) times.Add(watch.Elapsed.TotalSeconds);
        }
        times.Sort();
        return (times[2] + times[3]) / 2;
    }
}
