using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Scoring;

namespace Rcnn.Benchmarks;

/// <summary>
/// `mlnet-stages`: where the ML.NET scoring chain's time per image goes, for both pixel routes. Stages, each timed
/// alone over the same BCCD test images (ms per image, median of alternating passes): the pixel mapping (float route:
/// MLImage.GetBGRPixels to floats; byte route: the bitmap fast path, and its public-API fallback), ONNX Runtime on the
/// chain's adapted graph with the mapped inputs ready, and the whole PredictionEngine.Predict. What the whole chain
/// costs beyond mapping + ONNX is ML.NET's own plumbing (copies, cursors, tensor wrapping).
/// Options: --onnx FILE, --images N (10), --passes P (5).
/// </summary>
internal static class MLNetStagesBenchmark
{
    public static int Run(string[] args)
    {
        int count = MLNetBenchmark.ArgOr(args, "--images", 10), passes = MLNetBenchmark.ArgOr(args, "--passes", 5);
        var (onnx, paths) = MLNetBenchmark.Load(args, count);
        var images = paths.Select(MLImage.CreateFromFile).ToArray();
        var inputs = images.Select(i => new ImagePixelsInput { Image = i }).ToArray();

        var floats = inputs.Select(i => { var o = new ImagePixelsOutput(); ImageToPixelsFactory.Map(i, o); return o; }).ToArray();
        var bytes = inputs.Select(i => { var o = new ImagePixelBytesOutput(); ImageToPixelBytesFactory.Map(i, o); return o; }).ToArray();
        using var floatSession = new InferenceSession(MlNetOnnxAdapter.Adapt(onnx));
        using var byteSession = new InferenceSession(MlNetOnnxAdapter.Adapt(onnx, bytePixels: true));

        var ml = new MLContext();
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<MLNetBenchmark.Input>());
        var options = new PredictionEngineOptions { OwnsTransformer = false };
        var byteModel = ml.Transforms.DetectObjects(new MemoryStream(onnx)).Fit(empty);
        var floatModel = new DetectorScoringEstimator(ml.Transforms, onnx) { FloatPixels = true }.Fit(empty);
        using var byteEngine = ml.Model.CreatePredictionEngine<MLNetBenchmark.Input, MLNetBenchmark.Output>(byteModel, options);
        using var floatEngine = ml.Model.CreatePredictionEngine<MLNetBenchmark.Input, MLNetBenchmark.Output>(floatModel, options);

        var stages = new (string Name, Action<int> Body)[]
        {
            ("pixels, float route (GetBGRPixels -> float[])", k => ImageToPixelsFactory.Map(inputs[k], floats[k])),
            ("pixels, byte route (MLImage.Pixels -> byte[])", k => ImageToPixelBytesFactory.Map(inputs[k], bytes[k], allowFastPath: true)),
            ("pixels, byte route forced to GetBGRPixels", k => ImageToPixelBytesFactory.Map(inputs[k], bytes[k], allowFastPath: false)),
            ("ONNX Runtime, float graph [1,P] float", k => RunSession(floatSession, NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Pixels, new DenseTensor<float>(floats[k].Pixels, [1, floats[k].Pixels.Length])), images[k])),
            ("ONNX Runtime, byte graph [1,P] uint8 (+Cast)", k => RunSession(byteSession, NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Pixels, new DenseTensor<byte>(bytes[k].Pixels, [1, bytes[k].Pixels.Length])), images[k])),
            ("whole chain, float route (Predict)", k => floatEngine.Predict(new MLNetBenchmark.Input { Image = images[k] })),
            ("whole chain, byte route (Predict)", k => byteEngine.Predict(new MLNetBenchmark.Input { Image = images[k] })),
        };
        foreach (var (_, body) in stages) body(0);
        var times = stages.Select(_ => new List<double>()).ToArray();
        for (int p = 0; p < passes; p++)
            for (int s = 0; s < stages.Length; s++)
            {
                var clock = Stopwatch.StartNew();
                for (int k = 0; k < images.Length; k++) stages[s].Body(k);
                times[s].Add(clock.Elapsed.TotalMilliseconds / images.Length);
            }

        var median = times.Select(MLNetBenchmark.Median).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{images.Length} BCCD test images (640x480), {passes} alternating passes, ms per image (median), {Environment.ProcessorCount} cores"));
        for (int s = 0; s < stages.Length; s++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stages[s].Name,-50}: {median[s],8:F2}   passes [{MLNetBenchmark.Join(times[s])}]"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"ML.NET plumbing, float route (chain - pixels - ONNX)",-50}: {median[5] - median[0] - median[3],8:F2}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"ML.NET plumbing, byte route (chain - pixels - ONNX)",-50}: {median[6] - median[1] - median[4],8:F2}"));
        return 0;
    }

    private static void RunSession(InferenceSession session, NamedOnnxValue pixels, MLImage image)
    {
        using var outputs = session.Run(
        [
            pixels,
            NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Height, new DenseTensor<long>(new long[] { image.Height }, [1])),
            NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Width, new DenseTensor<long>(new long[] { image.Width }, [1])),
        ]);
        foreach (var o in outputs) _ = o.Value;
    }
}
