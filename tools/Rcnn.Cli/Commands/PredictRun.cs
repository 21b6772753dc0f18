using Rcnn.Cli.Output;

namespace Rcnn.Cli.Commands;

/// <summary><c>rcnn predict</c>: boxes drawn on each image and all detections in predictions.json.</summary>
public static class PredictRun
{
    public const string JsonFile = "predictions.json";
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];

    public static int Run(string modelDir, IReadOnlyList<string> inputs, string output, float scoreThreshold, CliContext ctx)
    {
        if (scoreThreshold is < 0 or > 1) throw new CliUsageException($"--score-threshold must be in [0, 1], got {scoreThreshold}.");
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (File.Exists(input)) files.Add(Path.GetFullPath(input));
            else if (Directory.Exists(input))
                files.AddRange(Directory.GetFiles(input).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order());
            else throw new CliUsageException($"Image '{input}' not found (give image files or folders).");
        }
        if (files.Count == 0) throw new CliUsageException("No images found in the given paths.");
        var model = ModelDirectory.Open(modelDir);
        using var net = model.LoadModel();
        var predictor = new Predictor(net, model.Config, model.Classes);
        string outDir = Path.GetFullPath(output);
        Directory.CreateDirectory(outDir);
        var results = new List<ImagePrediction>();
        foreach (var f in files)
        {
            var p = predictor.Predict(f, scoreThreshold);
            PredictionDrawer.Save(p, Path.Combine(outDir, Path.GetFileNameWithoutExtension(f) + ".jpg"));
            ctx.Line($"{f}: {p.Detections.Count} detections ({string.Join(", ", p.Detections.GroupBy(d => d.Label).Select(g => $"{g.Count()} {g.Key}"))})");
            results.Add(p);
        }
        PredictionJson.Write(Path.Combine(outDir, JsonFile), results);
        ctx.Line($"Wrote {files.Count} drawn images and {JsonFile} to {outDir}.");
        return ExitCodes.Ok;
    }
}
