using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.MLNet.Catalog;
using Rcnn.MLNet.Data;
using Rcnn.MLNet.Evaluation;
using Rcnn.MLNet.Training;
using Rcnn.Training.Data;

// The ML.NET quick start on the bundled BCCD data (datasets/bccd):
//   dotnet run -c Release --project samples/MLNetQuickStart                      train 300 iterations (~9 min on 2 cores), save, score, evaluate
//   dotnet run -c Release --project samples/MLNetQuickStart -- --iterations 20 --train-images 16 --test-images 8 --out /tmp/q
// Scoring the saved model needs no training libraries: samples/ScoreOnly.
if (args.Length > 0 && args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: MLNetQuickStart [--iterations N] [--train-images N] [--test-images N] [--out DIR]");
    return 0;
}
try
{
    return QuickStart.Train(args);
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or FileNotFoundException or DirectoryNotFoundException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    if (Environment.GetEnvironmentVariable("RCNN_DEBUG") is not null) Console.Error.WriteLine(e);
    return 1;
}

public static class QuickStart
{
    public static int Train(string[] args)
    {
        int iterations = Option(args, "--iterations", 300), trainImages = Option(args, "--train-images", 0), testImages = Option(args, "--test-images", 0);
        string output = Path.GetFullPath(OptionText(args, "--out") ?? Path.Combine("output", "mlnet_quickstart"));
        string voc = Path.Combine(BuiltinDatasets.FindRoot() ?? throw new DirectoryNotFoundException("datasets/ not found: run inside the repository or set RCNN_DATASETS."), "bccd", "BCCD");
        Directory.CreateDirectory(output);

        var mlContext = new MLContext(seed: 1);
        mlContext.Log += (_, e) => { if (e.Source == "DetectObjects") Console.WriteLine(e.Message); };
        var train = Take(mlContext, mlContext.Data.LoadFromPascalVoc(voc, "trainval", BuiltinDatasets.BccdClasses, _ => { }), trainImages);
        var test = Take(mlContext, mlContext.Data.LoadFromPascalVoc(voc, "test", BuiltinDatasets.BccdClasses, _ => { }), testImages);

        // What users write: load images, map labels to keys, train.
        var pipeline = mlContext.Transforms.LoadImages("Image", "", "ImagePath")
            .Append(mlContext.Transforms.Conversion.MapValueToKey("Label"))
            .Append(mlContext.Transforms.DetectObjects(new DetectObjectsOptions
            {
                MaxIterations = iterations,
                OutputFolder = Path.Combine(output, "training"),
                Seed = 42,
            }));
        // Fitted and loaded chains own a temporary copy of their ONNX graph; disposing them deletes it.
        using var model = pipeline.Fit(train);
        string zip = Path.Combine(output, "detector.zip");
        mlContext.Model.Save(model, train.Schema, zip);
        Console.WriteLine($"Saved {zip}");

        var loaded = mlContext.Model.Load(zip, out _);
        using var ownedLoaded = loaded as IDisposable;
        var scored = loaded.Transform(test);
        var metrics = mlContext.EvaluateObjectDetection(scored);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MAP50 {metrics.MAP50:F4}  MAP50_95 {metrics.MAP50_95:F4}"));
        foreach (var (name, ap) in metrics.PerClassAP50) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  AP50 {name}: {ap:F4}"));
        return 0;
    }

    private static IDataView Take(MLContext mlContext, IDataView data, int count) =>
        count > 0 ? mlContext.Data.TakeRows(data, count) : data;

    private static int Option(string[] args, string name, int fallback) =>
        OptionText(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static string? OptionText(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
