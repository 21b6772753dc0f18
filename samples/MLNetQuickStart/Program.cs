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
//   dotnet run -c Release --project samples/MLNetQuickStart -- score detector.zip a.jpg b.jpg   one JSON line per image
if (args.Length > 0 && args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: MLNetQuickStart [--iterations N] [--train-images N] [--test-images N] [--out DIR]\n       MLNetQuickStart score <model.zip> <image>...");
    return 0;
}
try
{
    return args.Length > 0 && args[0] == "score" ? QuickStart.Score(args[1..]) : QuickStart.Train(args);
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
        var model = pipeline.Fit(train);
        string zip = Path.Combine(output, "detector.zip");
        mlContext.Model.Save(model, train.Schema, zip);
        Console.WriteLine($"Saved {zip}");

        var loaded = mlContext.Model.Load(zip, out _);
        var scored = loaded.Transform(test);
        var metrics = mlContext.EvaluateObjectDetection(scored);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MAP50 {metrics.MAP50:F4}  MAP50_95 {metrics.MAP50_95:F4}"));
        foreach (var (name, ap) in metrics.PerClassAP50) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  AP50 {name}: {ap:F4}"));
        return 0;
    }

    /// <summary>Loads a saved model (nothing else from this run) and prints each image's detections as JSON, then
    /// whether libtorch ended up loaded in this process (scoring must not need it).</summary>
    public static int Score(string[] args)
    {
        if (args.Length < 2) throw new ArgumentException("score needs <model.zip> <image>...");
        var mlContext = new MLContext();
        var model = mlContext.Model.Load(args[0], out _);
        var rows = args[1..].Select(p => new DetectionDatasetRow { ImagePath = Path.GetFullPath(p) }).ToList();
        IDataView data = mlContext.Data.LoadFromEnumerable(rows);
        // A whole training pipeline starts from ImagePath; a scoring-only model takes the image itself (the saved
        // input schema cannot tell: ML.NET does not save image columns in it).
        if (!Accepts(model, data))
            data = mlContext.Transforms.LoadImages("Image", "", "ImagePath").Fit(data).Transform(data);
        var scored = model.Transform(data);
        foreach (var line in ScoredJson(scored, rows.Select(r => r.ImagePath).ToList())) Console.WriteLine(line);
        bool libtorch = File.Exists("/proc/self/maps") && File.ReadAllText("/proc/self/maps").Contains("libtorch", StringComparison.Ordinal);
        Console.WriteLine(JsonSerializer.Serialize(new { libtorch_loaded = libtorch }));
        return 0;
    }

    /// <summary>One JSON object per row (labels, scores, boxes with round-trip float text).</summary>
    public static IEnumerable<string> ScoredJson(IDataView scored, IReadOnlyList<string> names)
    {
        using var cursor = scored.GetRowCursor(scored.Schema.Where(c => c.Name is "PredictedLabel" or "Score" or "PredictedBoundingBoxes"));
        var labels = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(scored.Schema["PredictedLabel"]);
        var scores = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        var boxes = cursor.GetGetter<VBuffer<float>>(scored.Schema["PredictedBoundingBoxes"]);
        VBuffer<ReadOnlyMemory<char>> l = default;
        VBuffer<float> s = default, b = default;
        var lines = new List<string>();
        while (cursor.MoveNext())
        {
            labels(ref l);
            scores(ref s);
            boxes(ref b);
            lines.Add(JsonSerializer.Serialize(new
            {
                image = Path.GetFileName(names[(int)cursor.Position]),
                labels = l.DenseValues().Select(v => v.ToString()).ToArray(),
                scores = s.DenseValues().Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray(),
                boxes = b.DenseValues().Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray(),
            }));
        }
        return lines;
    }

    private static bool Accepts(ITransformer model, IDataView data)
    {
        try
        {
            model.GetOutputSchema(data.Schema);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
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
