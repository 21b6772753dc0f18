using System.Diagnostics;
using System.Globalization;
using Rcnn.Training;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;
using Rcnn.Training.Diagnostics;
using Rcnn.Training.Modeling.MetaArch;
using Rcnn.Training.Structures;
using static TorchSharp.torch;

namespace Rcnn.Benchmarks;

/// <summary>
/// `model`: R-50-FPN inference (models/COCO-Detection/faster_rcnn_R_50_FPN_1x.yaml, random init, 80 classes, eval,
/// no_grad) on a real BCCD test image resized by the test-time mapper to 800 x 1067. Prints the median forward time after
/// warm-up with its stage split, the conv/fc FLOPs that forward really ran (<see cref="FlopCounter"/>), the float32 GEMM
/// throughput libtorch reaches in the same process with the same threads, and so the FLOP floor and measured/floor.
/// Options: --runs N (5), --threads N (libtorch's default), then KEY VALUE config overrides.
/// </summary>
internal static class ModelBenchmark
{
    public static int Run(string[] args)
    {
        int runs = Args.IntOr(ref args, "--runs", 5);
        int threads = Args.IntOr(ref args, "--threads", TorchThreads());
        set_num_threads(threads);
        var overrides = new List<string> { "MODEL.WEIGHTS", "", "MODEL.ROI_HEADS.NUM_CLASSES", "80", "MODEL.DEVICE", "cpu" };
        overrides.AddRange(args);
        var cfg = RcnnConfig.FromFile("models/COCO-Detection/faster_rcnn_R_50_FPN_1x.yaml", overrides);

        using var scope = NewDisposeScope();
        manual_seed(0);
        using var model = GeneralizedRcnn.FromConfig(cfg);
        model.eval();
        SaneRpn(model);
        var (image, record) = BccdImage(cfg);
        var inputs = new[] { new DetectionInput(image, Height: record.Height, Width: record.Width) };
        Console.WriteLine($"R-50-FPN ({model.parameters().Sum(p => p.numel()):N0} parameters, random init) on {record.FileName} " +
                          $"{record.Width}x{record.Height} -> input {image.shape[2]}x{image.shape[1]} (W x H); {threads} libtorch threads " +
                          $"({Environment.ProcessorCount} cores visible); the machine may be shared, so times are noisy.");

        // Warm-up forward, counting FLOPs; the hooks are removed before the timed runs.
        double gflops;
        using (var counter = new FlopCounter(model))
        {
            var warm = Forward(model, inputs, out var proposals, out var detections);
            Console.WriteLine($"warm-up forward {warm.Sum(s => s.Seconds):F2} s: {proposals} proposals into the box head, {detections} detections");
            PrintFlops(counter);
            gflops = counter.TotalFlops / 1e9;
        }
        var timed = Enumerable.Range(0, runs).Select(i => Forward(model, inputs, out _, out _)).ToArray();
        double median = Median(timed.Select(t => t.Sum(s => s.Seconds)));
        Console.WriteLine($"\nforward, median of {runs} after warm-up: {median:F2} s (min {timed.Min(t => t.Sum(s => s.Seconds)):F2} s)");
        foreach (var name in timed[0].Select(s => s.Name))
            Console.WriteLine($"  {name,-34} {Median(timed.Select(t => t.Single(s => s.Name == name).Seconds)),6:F2} s");
        var (gemm, n) = GemmGflops();
        double floor = gflops / gemm;
        Console.WriteLine($"\nGEMM: torch.mm float32 {n}x{n} @ {n}x{n}, median {gemm:F1} GFLOP/s with {threads} threads");
        Console.WriteLine($"FLOP floor = {gflops:F1} GFLOP / {gemm:F1} GFLOP/s = {floor:F2} s; measured / floor = {median / floor:F2}");
        return 0;
    }

    /// <summary>
    /// With random init (FrozenBN is the identity, no learned statistics) the untrained RPN's box deltas make almost every
    /// proposal degenerate once clipped to the image: only 28 of 1000 survived here.
    /// A trained detector sends POST_NMS_TOPK_TEST (1000) proposals to the box head; zeroing the RPN's delta layer makes
    /// the proposals the anchors themselves, so the box head runs on the full 1000 as it would in production.
    /// </summary>
    private static void SaneRpn(GeneralizedRcnn model)
    {
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains("anchor_deltas", StringComparison.Ordinal)) p.zero_();
    }

    private sealed record Stage(string Name, double Seconds);

    private static int TorchThreads()
    {
        TorchRuntime.EnsureLoaded();
        return get_num_threads();
    }

    /// <summary>One inference forward as <see cref="GeneralizedRcnn.Inference"/> runs it, timed per stage.</summary>
    private static Stage[] Forward(GeneralizedRcnn model, DetectionInput[] inputs, out long proposals, out long detections)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var clock = Stopwatch.StartNew();
        var images = model.Preprocess(inputs);
        var features = model.Backbone.call(images.Tensor);
        foreach (var f in features.Values) f.sum().item<float>(); // nothing lazy is left to the next stage
        double backbone = clock.Elapsed.TotalSeconds;
        var (props, _) = model.ProposalGenerator!.Forward(images, features, null);
        double rpn = clock.Elapsed.TotalSeconds;
        var (results, _) = model.RoiHeads.Forward(images, features, props, null);
        var final = results.Select((r, i) => Postprocessing.DetectorPostprocess(r, inputs[i].Height!.Value, inputs[i].Width!.Value)).ToList();
        double heads = clock.Elapsed.TotalSeconds;
        proposals = props.Sum(p => (long)p.Count);
        detections = final.Sum(r => (long)r.Count);
        return
        [
            new("backbone + FPN (incl. normalize)", backbone),
            new("RPN (head, anchors, top-k, NMS)", rpn - backbone),
            new("ROI heads (+ postprocess)", heads - rpn),
        ];
    }

    private static void PrintFlops(FlopCounter counter)
    {
        Console.WriteLine($"FLOPs of that forward (2 per multiply-add, conv and fc layers): conv {counter.ConvFlops / 1e9:F1} G + fc {counter.FcFlops / 1e9:F1} G = {counter.TotalFlops / 1e9:F1} G");
        foreach (var (label, prefix) in new[] { ("backbone + FPN", "backbone."), ("RPN head", "proposal_generator."), ("ROI heads", "roi_heads.") })
            Console.WriteLine($"  {label,-34} {counter.FlopsUnder(prefix) / 1e9,7:F1} G");
    }

    /// <summary>The first bccd_test image through the test-time mapper (ResizeShortestEdge to MIN_SIZE_TEST).</summary>
    private static (Tensor Image, DatasetRecord Record) BccdImage(RcnnConfig cfg)
    {
        var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
        BuiltinDatasets.RegisterAll(catalog);
        var record = catalog.GetRecords("bccd_test")[0];
        var mapper = new DatasetMapper(false, AugmentationList.Build(cfg.Input, false), cfg.Input.Format);
        var sample = mapper.Map(record, new Random(0));
        return (sample.Image, record);
    }

    /// <summary>Median float32 matrix-multiply throughput: what libtorch's BLAS reaches here, the best case for conv/fc.</summary>
    public static (double Gflops, int N) GemmGflops(int n = 2048, int reps = 7)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var a = randn(n, n);
        var b = randn(n, n);
        for (int i = 0; i < 2; i++) a.mm(b).Dispose();
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            a.mm(b).Dispose();
            times[i] = sw.Elapsed.TotalSeconds;
        }
        return (2.0 * n * n * n / Median(times) / 1e9, n);
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
