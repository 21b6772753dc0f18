using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Benchmarks;

/// <summary>
/// `ops`: NMS (5000 RPN-like boxes, IoU 0.7), batched NMS (5000 boxes, 80 ids, IoU 0.5) and FPN multi-level ROIAlign
/// (1000 ROIs x 256 channels x 7 x 7 on p2..p5 of an 800 x 1216 image, ROIAlignV2, sampling 0), forward and
/// forward + backward; ours against torchvision (python/ops_torchvision.py under /usr/bin/python3) on the same inputs,
/// medians after warm-up, and a check that both sides produce the same kept indices / outputs / gradients.
/// </summary>
internal static class OpsBenchmark
{
    private const int ImageHeight = 800, ImageWidth = 1216, Channels = 256, OutputSize = 7;
    private static readonly double[] Scales = { 1 / 4.0, 1 / 8.0, 1 / 16.0, 1 / 32.0 };

    public static int Run(string[] args)
    {
        int repsNms = ArgOr(args, "--reps-nms", 15), repsRoi = ArgOr(args, "--reps-roi", 5);
        string dir = Directory.CreateTempSubdirectory("rcnn-ops-bench").FullName;
        try
        {
            using var scope = NewDisposeScope();
            var rng = new Random(1123);
            var (boxes, scores) = RpnLikeBoxes(rng, 5000);
            var ids = Enumerable.Range(0, 5000).Select(_ => (long)rng.Next(80)).ToArray();
            manual_seed(1123);
            var features = Scales.Select(s => randn(1, Channels, (long)(ImageHeight * s), (long)(ImageWidth * s))).ToArray();
            var roiBoxes = RandomRois(rng, 1000);
            var weights = randn(1000, Channels, OutputSize, OutputSize);

            Write(dir, "nms_boxes.f32", boxes);
            Write(dir, "nms_scores.f32", scores);
            Write(dir, "nms_ids.i64", ids);
            for (int i = 0; i < features.Length; i++) Write(dir, $"p{i + 2}.f32", features[i]);
            Write(dir, "rois.f32", cat(new[] { zeros(1000, 1), roiBoxes }, 1));
            Write(dir, "weights.f32", weights);
            var meta = new JsonObject
            {
                ["nms_boxes"] = 5000, ["nms_iou"] = 0.7, ["batched_iou"] = 0.5, ["reps_nms"] = repsNms, ["reps_roi"] = repsRoi,
                ["rois"] = 1000, ["output_size"] = OutputSize, ["scales"] = new JsonArray(Scales.Select(s => (JsonNode)s).ToArray()),
                ["feature_shapes"] = new JsonArray(features.Select(f => (JsonNode)new JsonArray(f.shape.Select(d => (JsonNode)d).ToArray())).ToArray()),
            };
            File.WriteAllText(Path.Combine(dir, "meta.json"), meta.ToJsonString());

            Console.WriteLine("Running torchvision (/usr/bin/python3 python/ops_torchvision.py) ...");
            RunPython(dir);
            var tv = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "results.json")))!;

            Console.WriteLine("Running ours ...");
            var boxesT = tensor(boxes).reshape(-1, 4);
            var scoresT = tensor(scores);
            var idsT = tensor(ids);
            long[] keep = Nms.Apply(boxesT, scoresT, 0.7).data<long>().ToArray();
            var nmsMs = Median(() => Nms.Apply(boxesT, scoresT, 0.7).Dispose(), 2, repsNms);
            long[] bkeep = Nms.Batched(boxesT, scoresT, idsT, 0.5).data<long>().ToArray();
            var batchedMs = Median(() => Nms.Batched(boxesT, scoresT, idsT, 0.5).Dispose(), 2, repsNms);

            var pooler = new RoiPooler(OutputSize, Scales, 0, "ROIAlignV2");
            var boxLists = new[] { new Boxes(roiBoxes) };
            Tensor output;
            using (no_grad()) output = pooler.Forward(features, boxLists);
            var fwdMs = Median(() =>
            {
                using var s = NewDisposeScope();
                using var _ = no_grad();
                pooler.Forward(features, boxLists);
            }, 1, repsRoi);
            Tensor[] leaves = Array.Empty<Tensor>();
            var fwdBwdMs = Median(() =>
            {
                // fresh leaves without .grad each time, as the python side sets grad = None
                foreach (var f in leaves) f.Dispose();
                leaves = features.Select(f => f.detach().requires_grad_(true)).ToArray();
                using var s = NewDisposeScope();
                (pooler.Forward(leaves, boxLists) * weights).sum().backward();
            }, 1, repsRoi);

            int tvThreads = tv["threads"]!.GetValue<int>();
            string ours = $"ours: {Environment.ProcessorCount} .NET worker threads (libtorch {get_num_threads()})";
            Console.WriteLine($"\n{ours}; torchvision {tv["torchvision"]} (torch {tv["torch"]}): {tvThreads} torch threads " +
                              "(its CPU nms / roi_align kernels are single-threaded)");
            Console.WriteLine("Median wall ms and median process CPU ms (all threads); the machine may be shared, so CPU time is the steadier measure.");
            Console.WriteLine($"{"benchmark",-42} {"ours wall",9} {"tv wall",9} {"tv/us",7} {"ours cpu",9} {"tv cpu",9} {"tv/us",7}  check");
            Report("NMS 5000 boxes, IoU 0.7", nmsMs, tv, "nms",
                Same(keep, tv["nms_keep"]!) ? $"same {keep.Length} kept indices" : "KEPT INDICES DIFFER");
            Report("batched NMS 5000 boxes, 80 ids, IoU 0.5", batchedMs, tv, "batched",
                Same(bkeep, tv["batched_keep"]!) ? $"same {bkeep.Length} kept indices" : "KEPT INDICES DIFFER");
            float outDiff = MaxDiff(output, ReadFloats(Path.Combine(dir, "tv_roi_out.f32")));
            Report("ROIAlignV2 p2-p5, 1000x256x7x7, forward", fwdMs, tv, "roi_forward", $"max |diff| {outDiff:g3}");
            float gradDiff = 0;
            for (int i = 0; i < leaves.Length; i++)
                gradDiff = Math.Max(gradDiff, MaxDiff(leaves[i].grad!, ReadFloats(Path.Combine(dir, $"tv_grad_p{i + 2}.f32"))));
            Report("ROIAlignV2 p2-p5, forward + backward", fwdBwdMs, tv, "roi_fwd_bwd", $"grad max |diff| {gradDiff:g3}");
            if (Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") != "1")
                Console.WriteLine("\nNote: fresh multi-MB tensors cost page faults that dominate the ROIAlign rows on VMs; libtorch 2.x " +
                                  "(ours, not torch 1.13) backs them with huge pages when run with THP_MEM_ALLOC_ENABLE=1.");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// RPN-like proposals: most boxes are jittered copies around a few dozen objects (so they overlap heavily, as
    /// after box regression), the rest anchor-sized boxes anywhere; objects score higher. Clipped to the image.
    /// </summary>
    private static (float[] Boxes, float[] Scores) RpnLikeBoxes(Random rng, int n)
    {
        int objects = 40;
        var obj = Enumerable.Range(0, objects).Select(_ =>
        {
            double size = Math.Exp(Uniform(rng, Math.Log(32), Math.Log(512))), aspect = Math.Exp(Uniform(rng, Math.Log(0.5), Math.Log(2)));
            return (cx: Uniform(rng, 0, ImageWidth), cy: Uniform(rng, 0, ImageHeight), w: size * Math.Sqrt(aspect), h: size / Math.Sqrt(aspect));
        }).ToArray();
        var boxes = new float[n * 4];
        var scores = new float[n];
        for (int i = 0; i < n; i++)
        {
            double cx, cy, w, h, logit;
            if (rng.NextDouble() < 0.7)
            {
                var o = obj[rng.Next(objects)];
                cx = o.cx + Normal(rng) * 0.1 * o.w; cy = o.cy + Normal(rng) * 0.1 * o.h;
                w = o.w * Math.Exp(Normal(rng) * 0.2); h = o.h * Math.Exp(Normal(rng) * 0.2);
                logit = 1 + Normal(rng);
            }
            else
            {
                double size = 32 << rng.Next(5), aspect = new[] { 0.5, 1, 2 }[rng.Next(3)];
                cx = Uniform(rng, 0, ImageWidth); cy = Uniform(rng, 0, ImageHeight);
                w = size * Math.Sqrt(aspect) * Math.Exp(Normal(rng) * 0.2); h = size / Math.Sqrt(aspect) * Math.Exp(Normal(rng) * 0.2);
                logit = -1 + Normal(rng);
            }
            boxes[i * 4] = (float)Math.Clamp(cx - w / 2, 0, ImageWidth);
            boxes[i * 4 + 1] = (float)Math.Clamp(cy - h / 2, 0, ImageHeight);
            boxes[i * 4 + 2] = (float)Math.Clamp(cx + w / 2, 0, ImageWidth);
            boxes[i * 4 + 3] = (float)Math.Clamp(cy + h / 2, 0, ImageHeight);
            scores[i] = (float)(1 / (1 + Math.Exp(-logit)));
        }
        return (boxes, scores);
    }

    /// <summary>Proposal-like ROIs: log-uniform sizes 16..700 px, aspect 0.5..2, clipped to the image.</summary>
    private static Tensor RandomRois(Random rng, int n)
    {
        var v = new float[n * 4];
        for (int i = 0; i < n; i++)
        {
            double size = Math.Exp(Uniform(rng, Math.Log(16), Math.Log(700))), aspect = Math.Exp(Uniform(rng, Math.Log(0.5), Math.Log(2)));
            double w = size * Math.Sqrt(aspect), h = size / Math.Sqrt(aspect);
            double cx = Uniform(rng, 0, ImageWidth), cy = Uniform(rng, 0, ImageHeight);
            v[i * 4] = (float)Math.Clamp(cx - w / 2, 0, ImageWidth);
            v[i * 4 + 1] = (float)Math.Clamp(cy - h / 2, 0, ImageHeight);
            v[i * 4 + 2] = (float)Math.Clamp(cx + w / 2, 0, ImageWidth);
            v[i * 4 + 3] = (float)Math.Clamp(cy + h / 2, 0, ImageHeight);
        }
        return tensor(v).reshape(n, 4);
    }

    private static double Uniform(Random rng, double lo, double hi) => lo + (hi - lo) * rng.NextDouble();

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Median wall time and median process CPU time (all threads), in ms.</summary>
    private static (double Wall, double Cpu) Median(Action run, int warmup, int reps)
    {
        for (int i = 0; i < warmup; i++) run();
        var wall = new double[reps];
        var cpu = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            var c0 = CpuTime();
            var sw = Stopwatch.StartNew();
            run();
            wall[i] = sw.Elapsed.TotalMilliseconds;
            cpu[i] = (CpuTime() - c0).TotalMilliseconds;
        }
        return (MedianOf(wall), MedianOf(cpu));
    }

    private static TimeSpan CpuTime()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

    private static double MedianOf(double[] values)
    {
        Array.Sort(values);
        int n = values.Length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static void Report(string name, (double Wall, double Cpu) ours, JsonNode tv, string key, string check)
    {
        double tvWall = tv[key + "_ms"]!.GetValue<double>(), tvCpu = tv[key + "_cpu_ms"]!.GetValue<double>();
        Console.WriteLine($"{name,-42} {ours.Wall,9:F1} {tvWall,9:F1} {tvWall / ours.Wall,6:F1}x {ours.Cpu,9:F0} {tvCpu,9:F0} {tvCpu / ours.Cpu,6:F1}x  {check}");
    }

    private static bool Same(long[] ours, JsonNode theirs)
    {
        var t = theirs.AsArray().Select(x => x!.GetValue<long>()).ToArray();
        return ours.SequenceEqual(t);
    }

    private static float MaxDiff(Tensor ours, float[] theirs)
    {
        var a = ours.detach().contiguous().reshape(-1).data<float>().ToArray();
        if (a.Length != theirs.Length) throw new InvalidOperationException($"size mismatch {a.Length} vs {theirs.Length}");
        float worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - theirs[i]));
        return worst;
    }

    private static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var result = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, result, 0, bytes.Length);
        return result;
    }

    private static void Write(string dir, string name, float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(Path.Combine(dir, name), bytes);
    }

    private static void Write(string dir, string name, long[] values)
    {
        var bytes = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(Path.Combine(dir, name), bytes);
    }

    private static void Write(string dir, string name, Tensor t) =>
        Write(dir, name, t.contiguous().reshape(-1).data<float>().ToArray());

    private static void RunPython(string dir)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "python", "ops_torchvision.py");
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(dir);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"torchvision side failed ({p.ExitCode}): {err}");
    }

    private static int ArgOr(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
    }
}
