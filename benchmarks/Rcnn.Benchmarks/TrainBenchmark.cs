using System.Globalization;
using Rcnn.Training;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;

namespace Rcnn.Benchmarks;

/// <summary>
/// `train`: training throughput as <see cref="DefaultTrainer"/> runs it (prefetching loader, hooks, checkpoints), from
/// the trainer's own per-iteration <c>time</c> and <c>data_time</c>: the BCCD quick-start config
/// (models/CPU/faster_rcnn_R_18_FPN_bccd.yaml) and R-50-FPN at 800 px, batch 1 on bccd_trainval. Medians over the
/// iterations after warm-up.
/// The R-50 row trains from scratch, so it uses detectron2's from-scratch GN recipe (configs/Misc/
/// scratch_mask_rcnn_R_50_FPN_3x_gn.yaml, box part): GN in the ResNet, FPN and a 4conv1fc box head, nothing frozen, LR
/// scaled linearly to batch 1. The zoo config's FrozenBN with random init (`--only r50-frozenbn`) has no statistics to
/// normalize with: its activations blow up through 50 layers and training diverges within a few iterations.
/// Options: --only bccd|r50|r50-frozenbn, --iters N (BCCD timed iterations, 20), --r50-iters N (3), --threads N (all
/// cores), --no-mkldnn (turn libtorch's oneDNN kernels off: DEVELOPERS.md, "oneDNN switch").
/// </summary>
internal static class TrainBenchmark
{
    public static int Run(string[] args)
    {
        string only = Args.StringOr(ref args, "--only", "");
        int bccdIters = Args.IntOr(ref args, "--iters", 20), r50Iters = Args.IntOr(ref args, "--r50-iters", 3);
        int threads = Args.IntOr(ref args, "--threads", Environment.ProcessorCount);
        bool noMkldnn = Args.Flag(ref args, "--no-mkldnn");
        if (args.Length > 0) throw new ArgumentException($"Unknown arguments: {string.Join(' ', args)}", nameof(args));
        if (noMkldnn) TorchRuntime.SetMkldnnEnabled(false);
        string onednn = TorchRuntime.IsMkldnnEnabled ? "oneDNN on" : "oneDNN off";
        var rows = new List<string>();
        if (only is "" or "bccd")
            rows.Add(Measure($"R18-FPN GN BCCD quick start, 256 px, batch 2, {onednn}", "models/CPU/faster_rcnn_R_18_FPN_bccd.yaml", [], 5, bccdIters, threads));
        if (only is "" or "r50")
            rows.Add(Measure($"R-50-FPN GN from scratch, 800 px, batch 1, {onednn}", R50Config, [.. R50Overrides, .. R50Gn], 1, r50Iters, threads));
        if (only is "r50-frozenbn")
            rows.Add(Measure($"R-50-FPN FrozenBN random init, 800 px, batch 1, {onednn}", R50Config, R50Overrides, 1, r50Iters, threads));
        if (rows.Count == 0) throw new ArgumentException($"--only must be bccd, r50 or r50-frozenbn, got '{only}'.", nameof(args));
        Console.WriteLine($"\n{threads} libtorch threads, {Environment.ProcessorCount} cores visible");
        Console.WriteLine($"{"config",-58} {"it/s",6} {"s/it",7} {"data s",7} {"compute s",9}  (medians; the machine may be shared)");
        foreach (var r in rows) Console.WriteLine(r);
        return 0;
    }

    private const string R50Config = "models/COCO-Detection/faster_rcnn_R_50_FPN_1x.yaml";

    // BCCD at 800 px (640x480 -> 800x1067), batch 1; BASE_LR 0.02 is for batch 16, so 0.02 / 16 here.
    private static readonly string[] R50Overrides =
    [
        "MODEL.WEIGHTS", "", "MODEL.DEVICE", "cpu", "MODEL.ROI_HEADS.NUM_CLASSES", "3", "DATASETS.TRAIN", "(\"bccd_trainval\",)",
        "INPUT.MIN_SIZE_TRAIN", "(800,)", "SOLVER.IMS_PER_BATCH", "1", "SOLVER.BASE_LR", "0.00125", "DATALOADER.NUM_WORKERS", "2",
    ];

    // detectron2's from-scratch GN recipe: GN everywhere, nothing frozen, stride in the 3x3 conv, PIXEL_STD of its GN models.
    private static readonly string[] R50Gn =
    [
        "MODEL.BACKBONE.FREEZE_AT", "0", "MODEL.RESNETS.NORM", "GN", "MODEL.RESNETS.STRIDE_IN_1X1", "False", "MODEL.FPN.NORM", "GN",
        "MODEL.ROI_BOX_HEAD.NAME", "FastRCNNConvFCHead", "MODEL.ROI_BOX_HEAD.NUM_CONV", "4", "MODEL.ROI_BOX_HEAD.NUM_FC", "1",
        "MODEL.ROI_BOX_HEAD.NORM", "GN", "MODEL.PIXEL_STD", "[57.375, 57.120, 58.395]",
    ];

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
            try
            {
                trainer.Train();
            }
            catch (ArithmeticException e) // the trainer's divergence stop: no throughput to report, say so in the row
            {
                Console.WriteLine($"{label}: {e.Message}");
                return $"{label,-58} diverged ({e.GetType().Name})";
            }
            var s = trainer.Trainer!.Storage;
            var time = s.History("time").Where(h => h.Iteration >= warmup).Select(h => h.Value).ToArray();
            var data = s.History("data_time").Where(h => h.Iteration >= warmup).Select(h => h.Value).ToArray();
            double t = ModelBenchmark.Median(time), d = ModelBenchmark.Median(data);
            double c = ModelBenchmark.Median(time.Zip(data, (a, b) => a - b));
            return string.Create(CultureInfo.InvariantCulture, $"{label,-58} {1 / t,6:F3} {t,7:F2} {d,7:F3} {c,9:F2}");
        }
        finally
        {
            Directory.Delete(output, true);
        }
    }
}
