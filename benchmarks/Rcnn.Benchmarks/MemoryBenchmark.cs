using System.Diagnostics;
using System.Globalization;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;
using static TorchSharp.torch;

namespace Rcnn.Benchmarks;

/// <summary>
/// `memory`: trains a real config with <see cref="DefaultTrainer"/> (loader, hooks, checkpoints, as TrainNet runs it) and
/// every <c>--period</c> iterations prints resident memory next to where it sits: the .NET GC heap, live TorchSharp
/// tensors, and glibc's heap (in use / free but still mapped / mmapped). Ends with RSS at iteration 200 against the last.
/// Default: the BCCD quick-start config on bccd_train at 96 px, 2000 iterations.
/// Options: --iters N, --period N, --threads N (all cores), --config FILE, --saves N (only N checkpoint saves), then KEY
/// VALUE config overrides.
/// </summary>
internal static class MemoryBenchmark
{
    public static int Run(string[] args)
    {
        int iters = Args.IntOr(ref args, "--iters", 2000), period = Args.IntOr(ref args, "--period", 100);
        int saves = Args.IntOr(ref args, "--saves", 0), threads = Args.IntOr(ref args, "--threads", Environment.ProcessorCount);
        string config = Args.StringOr(ref args, "--config", "models/CPU/faster_rcnn_R_18_FPN_bccd.yaml");
        string output = Directory.CreateTempSubdirectory("rcnn-memory-bench").FullName;
        try
        {
            var overrides = new List<string>(SmallBccd(iters, output));
            overrides.AddRange(args);
            var cfg = RcnnConfig.FromFile(config, overrides);
            if (saves > 0) return CheckpointSaves(cfg, saves);
            var result = Train(cfg, period, threads, Console.WriteLine);
            Console.WriteLine(result.Summary());
            return 0;
        }
        finally
        {
            Directory.Delete(output, true);
        }
    }

    /// <summary>The overrides that make the BCCD quick-start config a quick memory run: bccd_train, 96-px images, fewer
    /// proposals and ROIs, no evaluation; loader workers, checkpoints (every 100) and loss-curve redraws (every 100) as in
    /// a real run.</summary>
    public static string[] SmallBccd(int iters, string output) =>
    [
        "DATASETS.TRAIN", "(\"bccd_train\",)", "DATASETS.TEST", "()",
        "INPUT.MIN_SIZE_TRAIN", "(96,)", "INPUT.MAX_SIZE_TRAIN", "160",
        "MODEL.RPN.PRE_NMS_TOPK_TRAIN", "200", "MODEL.RPN.POST_NMS_TOPK_TRAIN", "100", "MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", "32",
        "SOLVER.MAX_ITER", iters.ToString(CultureInfo.InvariantCulture), "SOLVER.STEPS", $"({iters * 8 / 10},)",
        "OUTPUT_DIR", output,
    ];

    public sealed record Sample(int Iteration, double RssMb, double GcHeapMb, double GcCommittedMb, long Tensors, double MallocInUseMb, double MallocFreeMb,
        double MmapMb, double Seconds);

    public sealed record Result(IReadOnlyList<Sample> Samples)
    {
        /// <summary>The sample at (or first after) iteration <paramref name="iteration"/> (1-based count of iterations run).</summary>
        public Sample At(int iteration) => Samples.First(s => s.Iteration >= iteration);

        public string Summary()
        {
            var first = At(Math.Min(200, Samples[^1].Iteration));
            var last = Samples[^1];
            return string.Create(CultureInfo.InvariantCulture,
                $"RSS after {first.Iteration} iterations {first.RssMb:F0} MB, after {last.Iteration}: {last.RssMb:F0} MB " +
                $"({(last.RssMb / first.RssMb - 1) * 100:+0.0;-0.0}%); peak {Samples.Max(s => s.RssMb):F0} MB; " +
                $"{(last.Iteration - first.Iteration) / (last.Seconds - first.Seconds):F2} it/s in between");
        }
    }

    /// <summary>`--saves N`: only the checkpointer, N saves of the config's model and optimizer state.</summary>
    private static int CheckpointSaves(RcnnConfig cfg, int saves)
    {
        TorchSharp.torch.manual_seed(0);
        using var model = Rcnn.Training.Modeling.MetaArch.GeneralizedRcnn.FromConfig(cfg);
        var optimizer = Rcnn.Training.Solver.OptimizerBuilder.BuildSgd(model, cfg.Solver);
        foreach (var p in model.parameters()) p.grad = TorchSharp.torch.zeros_like(p);
        optimizer.step(); // momentum buffers exist, as in a real run
        var checkpointer = new Checkpointer(cfg.OutputDir);
        Console.WriteLine("  save   rss_mb  gc_heap_mb  gc_committed_mb  tensors  malloc_used_mb  malloc_free_mb  mmap_mb");
        for (int i = 1; i <= saves; i++)
        {
            checkpointer.Save($"model_{i:D7}", model, optimizer, i);
            var (used, free, mmap) = NativeHeap.Info();
            var gc = GC.GetGCMemoryInfo();
            using var proc = Process.GetCurrentProcess();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{i,6} {proc.WorkingSet64 / 1048576.0,8:F0} {gc.HeapSizeBytes / 1048576.0,11:F0} {gc.TotalCommittedBytes / 1048576.0,16:F0} {Tensor.TotalCount,8} {used,15:F0} {free,15:F0} {mmap,8:F0}"));
        }
        return 0;
    }

    /// <summary>Trains <paramref name="cfg"/> to SOLVER.MAX_ITER, sampling every <paramref name="period"/> iterations.</summary>
    public static Result Train(RcnnConfig cfg, int period, int threads, Action<string> print)
    {
        var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
        BuiltinDatasets.RegisterAll(catalog);
        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        DefaultTrainer? owner = null;
        print("  iter   rss_mb  gc_heap_mb  gc_committed_mb  tensors  malloc_used_mb  malloc_free_mb  mmap_mb   seconds");
        void Probe(string line)
        {
            // MetricsWriterHook's progress line arrives after every `period`-th step: sample there.
            if (owner?.Trainer is not { } t || !line.StartsWith("eta:", StringComparison.Ordinal)) return;
            var (used, free, mmap) = NativeHeap.Info();
            using var p = Process.GetCurrentProcess();
            var gc = GC.GetGCMemoryInfo();
            var s = new Sample(t.Iteration + 1, p.WorkingSet64 / 1048576.0, gc.HeapSizeBytes / 1048576.0, gc.TotalCommittedBytes / 1048576.0,
                Tensor.TotalCount, used, free, mmap, clock.Elapsed.TotalSeconds);
            samples.Add(s);
            print(string.Create(CultureInfo.InvariantCulture,
                $"{s.Iteration,6} {s.RssMb,8:F0} {s.GcHeapMb,11:F0} {s.GcCommittedMb,16:F0} {s.Tensors,8} {s.MallocInUseMb,15:F0} {s.MallocFreeMb,15:F0} {s.MmapMb,8:F0} {s.Seconds,9:F0}"));
        }
        using var trainer = new DefaultTrainer(cfg, catalog, new DefaultTrainerOptions { NumThreads = threads, Log = Probe, LogPeriod = period, LossCurvePeriod = 100 });
        owner = trainer;
        trainer.Train();
        return new Result(samples);
    }
}
