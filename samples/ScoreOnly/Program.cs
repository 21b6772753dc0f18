using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.MLNet.Scoring;

// Scores a saved ML.NET detector (model.mlnet from rcnn train, or any mlContext.Model.Save of a DetectObjects chain)
// with nothing but ML.NET, ONNX Runtime and Rcnn.MLNet (its scoring part; training is Rcnn.MLNet.Training):
//   dotnet run -c Release --project samples/ScoreOnly -- model.mlnet a.jpg b.jpg      one JSON line per image
// The last line says whether libtorch was loaded in this process (it never is: the publish output has no libtorch).
if (args.Length < 2 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: ScoreOnly <model.mlnet> <image>...");
    return args.Length < 2 ? 2 : 0;
}
try
{
    var mlContext = new MLContext();
    // The chain's pixel conversion is a custom mapping: ML.NET finds it in the assemblies registered here.
    mlContext.ComponentCatalog.RegisterAssembly(typeof(ImageToPixelsFactory).Assembly);
    // Disposing the model deletes the temporary copy of its ONNX graph that ML.NET writes when it loads one.
    var model = mlContext.Model.Load(args[0], out _);
    using var owned = model as IDisposable;
    var rows = args[1..].Select(p => new ImageRow { ImagePath = Path.GetFullPath(p) }).ToList();
    IDataView data = mlContext.Data.LoadFromEnumerable(rows);
    // A whole training pipeline starts from ImagePath; a scoring-only model takes the image itself (the saved input
    // schema cannot tell: ML.NET does not save image columns in it).
    if (!ScoredRows.Accepts(model, data)) data = mlContext.Transforms.LoadImages("Image", "", "ImagePath").Fit(data).Transform(data);
    var scored = model.Transform(data);
    foreach (var line in ScoredRows.Json(scored, rows.Select(r => r.ImagePath).ToList())) Console.WriteLine(line);
    bool libtorch = File.Exists("/proc/self/maps") && File.ReadAllText("/proc/self/maps").Contains("libtorch", StringComparison.Ordinal);
    Console.WriteLine(JsonSerializer.Serialize(new { libtorch_loaded = libtorch }));
    return 0;
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or FileNotFoundException or FormatException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

/// <summary>What the sample prints: the scored rows as JSON lines; and whether a model takes the rows as they are.</summary>
public static class ScoredRows
{
    /// <summary>Whether <paramref name="model"/> takes <paramref name="data"/>'s columns as they are.</summary>
    public static bool Accepts(ITransformer model, IDataView data)
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

    /// <summary>One JSON object per row: labels, scores and boxes (round-trip float text).</summary>
    public static IEnumerable<string> Json(IDataView scored, IReadOnlyList<string> names)
    {
        using var cursor = scored.GetRowCursor(scored.Schema.Where(c => c.Name is "PredictedLabel" or "Score" or "PredictedBoundingBoxes"));
        var labels = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(scored.Schema["PredictedLabel"]);
        var scores = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        var boxes = cursor.GetGetter<VBuffer<float>>(scored.Schema["PredictedBoundingBoxes"]);
        VBuffer<ReadOnlyMemory<char>> l = default;
        VBuffer<float> s = default, b = default;
        while (cursor.MoveNext())
        {
            labels(ref l);
            scores(ref s);
            boxes(ref b);
            yield return JsonSerializer.Serialize(new
            {
                image = Path.GetFileName(names[(int)cursor.Position]),
                labels = l.DenseValues().Select(v => v.ToString()).ToArray(),
                scores = s.DenseValues().Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray(),
                boxes = b.DenseValues().Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray(),
            });
        }
    }
}

/// <summary>An image file to score, in the training rows' column contract: a saved training pipeline starts with
/// <c>MapValueToKey("Label")</c>, which needs its input column even when scoring, so Label and Box are there, empty.</summary>
internal sealed class ImageRow
{
    public string ImagePath { get; set; } = "";
    public string[] Label { get; set; } = [];
    public float[] Box { get; set; } = [];
}
