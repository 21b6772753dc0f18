using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;

namespace Rcnn.Training.Tests.Engine;

/// <summary>
/// Issue 4's "native memory stays flat: resident memory at iteration 2000 within 10% of iteration 200", checked on a real
/// run: <see cref="DefaultTrainer"/> (prefetching loader with 2 workers, checkpoints every 100 iterations, loss-curve
/// redraws, metrics.json) on the BCCD quick-start config, bccd_train, shrunk to 96-px images and fewer proposals/ROIs so
/// 2000 iterations should take 15-20 minutes on an idle 2-core machine (estimated; not yet run to the end: the shared
/// machine ran it at several seconds per iteration). The truth is the trainer's own per-iteration
/// <c>rss_mb</c> (the process's resident set), compared as medians of 20 iterations around 200 and before 2000.
/// Opt-in: dotnet test tests/Rcnn.Training.Tests -c Release --filter TestCategory=Heavy
/// </summary>
[TestClass]
public class LongRunMemoryTests
{
    [TestMethod]
    [TestCategory("Heavy")]
    public void ResidentMemoryAtIteration2000IsWithinTenPercentOfIteration200()
    {
        string dir = Directory.CreateTempSubdirectory("long-run-memory").FullName;
        try
        {
            var cfg = RcnnConfig.FromFile(Path.Combine(AppContext.BaseDirectory, "models", "CPU", "faster_rcnn_R_18_FPN_bccd.yaml"),
            [
                "DATASETS.TRAIN", "(\"bccd_train\",)", "DATASETS.TEST", "()",
                "INPUT.MIN_SIZE_TRAIN", "(96,)", "INPUT.MAX_SIZE_TRAIN", "160",
                "MODEL.RPN.PRE_NMS_TOPK_TRAIN", "200", "MODEL.RPN.POST_NMS_TOPK_TRAIN", "100",
                "MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", "32",
                "SOLVER.MAX_ITER", "2000", "SOLVER.STEPS", "(1600,)", "OUTPUT_DIR", dir,
            ]);
            var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
            BuiltinDatasets.RegisterAll(catalog);
            using var trainer = new DefaultTrainer(cfg, catalog, new DefaultTrainerOptions { Log = _ => { }, LogPeriod = 100 });
            Assert.IsTrue(trainer.Train());

            var rss = trainer.Trainer!.Storage.History("rss_mb");
            double at200 = Median(rss.Where(h => h.Iteration is >= 190 and < 210).Select(h => h.Value));
            double at2000 = Median(rss.Where(h => h.Iteration >= 1980).Select(h => h.Value));
            double peak = rss.Max(h => h.Value);
            Console.WriteLine($"RSS median around iteration 200: {at200:F0} MB, before 2000: {at2000:F0} MB ({(at2000 / at200 - 1) * 100:+0.0;-0.0}%), peak {peak:F0} MB");
            Assert.IsTrue(Math.Abs(at2000 / at200 - 1) <= 0.10,
                $"RSS at iteration 2000 ({at2000:F0} MB) is not within 10% of iteration 200 ({at200:F0} MB)");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        Assert.IsTrue(v.Length > 0, "no rss_mb samples in that range");
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
