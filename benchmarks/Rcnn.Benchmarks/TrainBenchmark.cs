using System.Globalization;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;

namespace Rcnn.Benchmarks;

/// <summary>
/// `train`: training throughput as <see cref="DefaultTrainer"/> runs it (prefetching loader, hooks, checkpoints), from
/// the trainer's own per-iteration <c>time</c> and <c>data_time</c>: the BCCD quick-start config
/// (models/CPU/faster_rcnn_R_18_FPN_bccd.yaml) and R-50-FPN (faster_rcnn_R_50_FPN_1x.yaml, random init, FrozenBN,
/// bccd_trainval at 800 px, batch 1). Medians over the iterations after warm-up.
/// Options: --only bccd|r50, --iters N (BCCD timed iterations, 20), --r50-iters N (3), --threads N (all cores).
/// </summary>
internal static class TrainBenchmark
{
    public static int Run(string[] args)
    {
        string only = Args.StringOr(ref args, "--only", "");
        int bccdIters = Args.IntOr(ref args, "--iters", 20), r50Iters = Args.IntOr(ref args, "--r50-iters", 3);
        int threads = Args.IntOr(ref args, "--threads", Environment.ProcessorCount);
        if (args.Length > 0) throw new ArgumentException($"Unknown arguments: {string.Join(' ', args)}", nameof(args));
        var rows = new List<string>();
        if (only is "" or "bccd")
            rows.Add(Measure("R18-FPN GN BCCD quick start, 256 px, batch 2", "models/CPU/faster_rcnn_R_18_FPN_bccd.yaml", [], 5, bccdIters, threads));
        if (only is "" or "r50")
            rows.Add(Measure("R-50-FPN FrozenBN, 800 px, batch 1", "models/COCO-Detection/faster_rcnn_R_50_FPN_1x.yaml",
                ["MODEL.WEIGHTS", "", "MODEL.DEVICE", "cpu", "MODEL.ROI_HEADS.NUM_CLASSES", "3", "DATASETS.TRAIN", "(\"bccd_trainval\",)",
                 "INPUT.MIN_SIZE_TRAIN", "(800,)", "SOLVER.IMS_PER_BATCH", "1", "DATALOADER.NUM_WORKERS", "2"], 1, r50Iters, threads));
        Console.WriteLine($"\n{threads} libtorch threads, {Environment.ProcessorCount} cores visible");
        Console.WriteLine($"{"config",-46} {"it/s",6} {"s/it",7} {"data s",7} {"compute s",9}  (medians; the machine may be shared)");
        foreach (var r in rows) Console.WriteLine(r);
        return 0;
    }

    private static string Measure(string label, string config, string[] extra, int warmup, int timed, int threads)
    {
        string output = Directory.CreateTempSubdirectory("rcnn-train-bench").FullName;
        try
        {
            int total = warmup + timed;
            var overrides = new List<string>(extra)
            {
                "DATASETS.TEST", "()", "SOLVER.MAX_ITER", total.ToString(CultureInfo.InvariantCulture), "SOLVER.STEPS", "()",
                "SOLVER.CHECKPOINT_PERIOD", "100000", "OUTPUT_DIR", output,
            };
            var cfg = RcnnConfig.FromFile(config, overrides);
            var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
            BuiltinDatasets.RegisterAll(catalog);
            Console.WriteLine($"\n{label}: {warmup} warm-up + {timed} timed iterations");
            using var trainer = new DefaultTrainer(cfg, catalog, new DefaultTrainerOptions { NumThreads = threads, Log = Console.WriteLine, LogPeriod = 1, LossCurvePeriod = 100000 });
            trainer.Train();
            var s = trainer.Trainer!.Storage;
            var time = s.History("time").Where(h => h.Iteration >= warmup).Select(h => h.Value).ToArray();
            var data = s.History("data_time").Where(h => h.Iteration >= warmup).Select(h => h.Value).ToArray();
            double t = ModelBenchmark.Median(time), d = ModelBenchmark.Median(data);
            double c = ModelBenchmark.Median(time.Zip(data, (a, b) => a - b));
            return string.Create(CultureInfo.InvariantCulture, $"{label,-46} {1 / t,6:F3} {t,7:F2} {d,7:F3} {c,9:F2}");
        }
        finally
        {
            Directory.Delete(output, true);
        }
    }
}
