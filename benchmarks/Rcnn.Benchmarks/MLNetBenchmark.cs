using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML;
using Rcnn.MLNet.AutoConfig;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Scoring;
using Rcnn.MLNet.Training;
using Rcnn.Onnx;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Modeling.MetaArch;

namespace Rcnn.Benchmarks;

/// <summary>
/// `mlnet`: images/s of one detector through the ML.NET scoring chain (PredictionEngine over MLImage) against a bare
/// ONNX Runtime session on the same ONNX bytes and the same decoded BCCD test images (the bare side converts RGB bytes
/// to the float planes itself). A third side is the chain's float pixel route (<c>FloatPixels</c>, what models saved
/// before the byte contract run). Passes alternate; medians of the passes are reported. Before timing, every output
/// value of the chain is checked against the bare session's.
/// Options: --onnx FILE (default: the BCCD preset's R18-FPN, untrained, exported), --images N (20), --passes P (5).
/// </summary>
internal static class MLNetBenchmark
{
    public sealed class Input
    {
        [Microsoft.ML.Transforms.Image.ImageType(480, 640)]
        public MLImage? Image { get; set; }
    }

    public sealed class Output
    {
        public string[] PredictedLabel { get; set; } = [];
        public float[] Score { get; set; } = [];
        public float[] PredictedBoundingBoxes { get; set; } = [];
    }

    public static int Run(string[] args)
    {
        int count = ArgOr(args, "--images", 20), passes = ArgOr(args, "--passes", 5);
        var (onnx, paths) = Load(args, count);
        var rgb = paths.Select(p => ImageReader.Read(p, "RGB")).ToArray();
        var images = paths.Select(MLImage.CreateFromFile).ToArray();

        using var session = new InferenceSession(onnx);
        var ml = new MLContext();
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<Input>());
        var model = ml.Transforms.DetectObjects(new MemoryStream(onnx)).Fit(empty);
        var floatModel = new DetectorScoringEstimator(ml.Transforms, onnx) { FloatPixels = true }.Fit(empty);
        var options = new PredictionEngineOptions { OwnsTransformer = false };
        using var engine = ml.Model.CreatePredictionEngine<Input, Output>(model, options);
        using var floatEngine = ml.Model.CreatePredictionEngine<Input, Output>(floatModel, options);

        // Same numbers first: every score and box of both chains equals the bare session's (also the warm-up).
        for (int k = 0; k < images.Length; k++)
        {
            var (scores, boxes) = RunBare(session, rgb[k]);
            foreach (var (name, e) in new[] { ("byte", engine), ("float", floatEngine) })
            {
                var o = e.Predict(new Input { Image = images[k] });
                if (!o.Score.AsSpan().SequenceEqual(scores) || !o.PredictedBoundingBoxes.AsSpan().SequenceEqual(boxes))
                {
                    Console.Error.WriteLine($"error: image {k}: the {name}-route chain's outputs differ from the bare session's.");
                    return 1;
                }
            }
        }

        double Bare()
        {
            var clock = Stopwatch.StartNew();
            foreach (var img in rgb) RunBare(session, img);
            return rgb.Length / clock.Elapsed.TotalSeconds;
        }
        double Chain(PredictionEngine<Input, Output> e)
        {
            var clock = Stopwatch.StartNew();
            foreach (var img in images) e.Predict(new Input { Image = img });
            return images.Length / clock.Elapsed.TotalSeconds;
        }
        var bare = new List<double>();
        var chain = new List<double>();
        var floatChain = new List<double>();
        for (int p = 0; p < passes; p++)
        {
            bare.Add(Bare());
            chain.Add(Chain(engine));
            floatChain.Add(Chain(floatEngine));
        }
        double b = Median(bare), c = Median(chain), f = Median(floatChain);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{paths.Length} BCCD test images (640x480), {passes} alternating passes, ONNX {onnx.Length / 1e6:F1} MB, {Environment.ProcessorCount} cores; outputs checked equal"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bare ONNX Runtime session      : {b,7:F2} images/s   passes [{Join(bare)}]"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ML.NET scoring chain           : {c,7:F2} images/s   passes [{Join(chain)}]"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ML.NET chain, float route (v1) : {f,7:F2} images/s   passes [{Join(floatChain)}]"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline overhead              : {(b / c - 1) * 100,7:F1} % of the bare time per image ({(1 / c - 1 / b) * 1000:F1} ms)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"float route overhead           : {(b / f - 1) * 100,7:F1} % ({(1 / f - 1 / b) * 1000:F1} ms)"));
        return 0;
    }

    internal static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)));

    /// <summary>The ONNX bytes (--onnx FILE, or the untrained BCCD detector) and the first BCCD test image paths.</summary>
    internal static (byte[] Onnx, string[] Paths) Load(string[] args, int count)
    {
        int i = Array.IndexOf(args, "--onnx");
        byte[] onnx = i >= 0 && i + 1 < args.Length ? File.ReadAllBytes(args[i + 1]) : UntrainedBccdDetector();
        string voc = Path.Combine(BuiltinDatasets.FindRoot() ?? throw new DirectoryNotFoundException("datasets/ not found"), "bccd", "BCCD");
        var paths = File.ReadAllLines(Path.Combine(voc, "ImageSets", "Main", "test.txt")).Where(l => l.Trim().Length > 0).Take(count)
            .Select(id => Path.Combine(voc, "JPEGImages", id.Trim() + ".jpg")).ToArray();
        return (onnx, paths);
    }

    private static (float[] Scores, float[] Boxes) RunBare(InferenceSession session, ImageBuffer img)
    {
        int plane = img.Height * img.Width;
        var pixels = new float[3 * plane];
        var d = img.Data;
        for (int p = 0, k = 0; p < plane; p++, k += 3)
        {
            pixels[p] = d[k];
            pixels[plane + p] = d[k + 1];
            pixels[2 * plane + p] = d[k + 2];
        }
        using var outputs = session.Run(
        [
            NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Pixels, new DenseTensor<float>(pixels, [pixels.Length])),
            NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Height, new DenseTensor<long>(new long[] { img.Height }, [1])),
            NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Width, new DenseTensor<long>(new long[] { img.Width }, [1])),
        ]);
        var byName = outputs.ToDictionary(o => o.Name);
        var boxes = byName[DetectorOnnxNames.Boxes].AsTensor<float>().ToArray();
        _ = byName[DetectorOnnxNames.LabelNames].AsTensor<string>().ToArray();
        return (byName[DetectorOnnxNames.Scores].AsTensor<float>().ToArray(), boxes);
    }

    /// <summary>The quick-start architecture with random weights and no score threshold: every image yields the full
    /// 100 detections, so the outputs have a realistic size.</summary>
    private static byte[] UntrainedBccdDetector()
    {
        var cfg = ConfigPresets.Load(ConfigPresets.Default);
        cfg.MergeFromList(["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0"]);
        Rcnn.Training.TorchRuntime.EnsureLoaded();
        TorchSharp.torch.random.manual_seed(1);
        using var model = GeneralizedRcnn.FromConfig(cfg);
        model.eval();
        return DetectorOnnxExporter.ExportToBytes(model, cfg,
            new DetectorOnnxOptions { InputLayout = OnnxInputLayout.FlatPixels, ClassNames = BuiltinDatasets.BccdClasses });
    }

    internal static double Median(List<double> v)
    {
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    internal static int ArgOr(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
