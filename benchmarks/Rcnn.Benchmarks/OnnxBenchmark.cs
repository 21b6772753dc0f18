using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Rcnn.Onnx;
using Rcnn.Training;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;
using Rcnn.Training.Modeling.MetaArch;
using static TorchSharp.torch;

namespace Rcnn.Benchmarks;

/// <summary>
/// `onnx`: per-image latency of the exported detector in ONNX Runtime (CPU, all graph optimisations) against TorchSharp
/// eager inference of the same model on the same BCCD image, both with the same thread count (--threads, default all
/// cores), median of --reps runs after --warmup runs. Each side's time covers the whole test-time path: the resize
/// (in-graph for ONNX; our ResizeShortestEdge + ResizeTransform for TorchSharp), normalisation, the model and the
/// rescale to the input image. Models: R-50-FPN (random init, 80 classes, 800 px) and the BCCD R-18-FPN quick-start
/// config (random init, 256 px).
/// </summary>
internal static class OnnxBenchmark
{
    public static int Run(string[] args)
    {
        int reps = ArgOr(args, "--reps", 7), warmup = ArgOr(args, "--warmup", 2), threads = ArgOr(args, "--threads", Environment.ProcessorCount);
        TorchRuntime.EnsureLoaded();
        set_num_threads(threads);
        var root = RepoRoot();
        var imagePath = Path.Combine(root, "datasets", "bccd", "BCCD", "JPEGImages", "BloodImage_00000.jpg");
        Console.WriteLine($"image {Path.GetFileName(imagePath)}, {threads} thread(s), median of {reps} after {warmup} warm-up runs");
        Console.WriteLine($"{"model",-34} {"torch ms",10} {"ort ms",10} {"speed-up",9}  detections (torch / ort)");
        var models = new[]
        {
            ("R-50-FPN, 80 classes, 800 px", Path.Combine(root, "models", "COCO-Detection", "faster_rcnn_R_50_FPN_1x.yaml"),
                new[] { "MODEL.ROI_HEADS.NUM_CLASSES", "80" }),
            ("R-18-FPN BCCD, 3 classes, 256 px", Path.Combine(root, "models", "CPU", "faster_rcnn_R_18_FPN_bccd.yaml"), Array.Empty<string>()),
        };
        foreach (var (name, configPath, overrides) in models)
        {
            manual_seed(1);
            var cfg = RcnnConfig.FromFile(configPath, overrides);
            var model = GeneralizedRcnn.FromConfig(cfg);
            model.eval();
            var image = ImageReader.Read(imagePath, cfg.Input.Format);
            using var input = ToChw(image);

            int torchCount = 0;
            var torchMs = Median(() =>
            {
                using var scope = NewDisposeScope();
                var (h, w) = ResizeShortestEdge.GetOutputShape(image.Height, image.Width, cfg.Input.MinSizeTest, cfg.Input.MaxSizeTest);
                var resized = new ResizeTransform(image.Height, image.Width, h, w).ApplyImage(image);
                torchCount = model.Inference(new[] { new DetectionInput(ToChw(resized), Height: image.Height, Width: image.Width) })[0].Count;
            }, warmup, reps);

            var onnx = DetectorOnnxExporter.ExportToBytes(model, cfg);
            using var session = OnnxSessionFactory.Create(onnx, intraOpThreads: threads);
            var pixels = input.data<float>().ToArray();
            using var value = OrtValue.CreateTensorValueFromMemory(pixels, input.shape);
            int ortCount = 0;
            var ortMs = Median(() =>
            {
                using var outputs = session.Run(new RunOptions(), new[] { "image" }, new[] { value }, new[] { "scores" });
                ortCount = (int)outputs[0].GetTensorTypeAndShape().Shape[0];
            }, warmup, reps);
            Console.WriteLine($"{name,-34} {torchMs,10:F1} {ortMs,10:F1} {torchMs / ortMs,8:F2}x  {torchCount} / {ortCount}");
            model.Dispose();
        }
        return 0;
    }

    private static Tensor ToChw(ImageBuffer image)
    {
        int plane = image.Height * image.Width;
        var chw = new float[3 * plane];
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < 3; c++) chw[c * plane + i] = image.Data[i * 3 + c];
        return tensor(chw, new long[] { 3, image.Height, image.Width });
    }

    private static double Median(Action run, int warmup, int reps)
    {
        for (int i = 0; i < warmup; i++) run();
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return reps % 2 == 1 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
    }

    private static int ArgOr(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return fallback;
        if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out int v) || v <= 0)
            throw new ArgumentException($"{name} needs a positive integer, got '{(i + 1 < args.Length ? args[i + 1] : "")}'.");
        return v;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Rcnn.MLNet.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Rcnn.MLNet.sln above {AppContext.BaseDirectory}.");
    }
}
