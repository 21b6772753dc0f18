using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;

namespace Rcnn.Cli.AutoConfig;

/// <summary>
/// Measures training iterations per second for a config on this machine: a few real iterations into a scratch
/// folder (deleted afterwards), with the thread count the run will use; the first ones (start-up, allocation) are
/// not counted.
/// </summary>
public static class ThroughputProbe
{
    public static double Measure(RcnnConfig cfg, DatasetCatalog catalog, string scratchDir, int? numThreads, int iterations = 10, int skip = 4)
    {
        var probe = cfg.Clone();
        probe.MergeFromList(["SOLVER.MAX_ITER", iterations.ToString(), "SOLVER.STEPS", $"({iterations - 1},)", "SOLVER.WARMUP_ITERS", "1",
            "SOLVER.CHECKPOINT_PERIOD", "1000000", "TEST.EVAL_PERIOD", "0"]);
        probe.Datasets.Test.Clear();
        probe.OutputDir = scratchDir;
        try
        {
            using var trainer = new DefaultTrainer(probe, catalog, new DefaultTrainerOptions { NumThreads = numThreads, Log = _ => { }, LogPeriod = 1000000, LossCurvePeriod = 1000000 });
            trainer.Train();
            var times = trainer.Trainer!.Storage.History("time").Skip(skip).Select(t => t.Value).Order().ToList();
            if (times.Count == 0) throw new InvalidOperationException("The throughput probe recorded no iteration times.");
            double median = times[times.Count / 2];
            return 1.0 / median;
        }
        finally
        {
            if (Directory.Exists(scratchDir)) Directory.Delete(scratchDir, recursive: true);
        }
    }
}
