using System.Diagnostics;
using System.Text.Json;

namespace Rcnn.Cli.Tests;

/// <summary>Detections as (label, score, box) for comparing the exported models with the TorchSharp detector.</summary>
internal sealed record Det(string Label, float Score, float[] Box);

internal static class DeployablesCheck
{
    /// <summary>rcnn predict's predictions.json (TorchSharp forward), first image.</summary>
    public static List<Det> FromPredictionsJson(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return Detections(doc.RootElement[0]);
    }

    /// <summary>An image's "detections" array ({label, score, box}), the shape both rcnn predict and the generated
    /// project's --json write.</summary>
    private static List<Det> Detections(JsonElement image) =>
        image.GetProperty("detections").EnumerateArray().Select(d => new Det(
            d.GetProperty("label").GetString()!, d.GetProperty("score").GetSingle(),
            d.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray())).ToList();

    /// <summary>Builds the generated consumption project and runs it on <paramref name="image"/> (threshold 0, --json:
    /// full precision).</summary>
    public static List<Det> RunGeneratedProject(string projectDir, string name, string image)
    {
        Exec("dotnet", $"build \"{projectDir}\" -c Release -o \"{Path.Combine(projectDir, "out")}\"", out _);
        string dll = Path.Combine(projectDir, "out", name + ".dll");
        Exec("dotnet", $"\"{dll}\" \"{image}\" --threshold 0 --json", out string stdout);
        using var doc = JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]);
        return Detections(doc.RootElement);
    }

    private static void Exec(string file, string args, out string stdout)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) Assert.Fail($"{file} {args} exited {p.ExitCode}:\n{stdout}\n{err.Result}");
    }

    /// <summary>The ML.NET model zip loaded the documented way and scored with a PredictionEngine.</summary>
    public static List<Det> RunMlNetZip(string zip, string image)
    {
        var ml = new Microsoft.ML.MLContext();
        ml.ComponentCatalog.RegisterAssembly(typeof(Rcnn.MLNet.Scoring.ImageToPixelsFactory).Assembly);
        var model = ml.Model.Load(zip, out _);
        return RunTransformer(ml, model, image);
    }

    public sealed class MlOutput
    {
        public string[] PredictedLabel { get; set; } = [];
        public float[] Score { get; set; } = [];
        public float[] PredictedBoundingBoxes { get; set; } = [];
    }

    public static List<Det> RunTransformer(Microsoft.ML.MLContext ml, Microsoft.ML.ITransformer model, string image)
    {
        using var engine = ml.Model.CreatePredictionEngine<Rcnn.MLNet.AutoML.DetectionTrialTransformers.ImageRow, MlOutput>(model);
        using var img = Microsoft.ML.Data.MLImage.CreateFromFile(image);
        var o = engine.Predict(new Rcnn.MLNet.AutoML.DetectionTrialTransformers.ImageRow { Image = img });
        return o.Score.Select((s, i) => new Det(o.PredictedLabel[i], s, o.PredictedBoundingBoxes.Skip(4 * i).Take(4).ToArray())).ToList();
    }

    /// <summary>Each of the <paramref name="top"/> highest-scoring exported detections has a TorchSharp twin: same
    /// label, score within 2e-3, every coordinate within 1 px. The exported graph resizes the image itself (ONNX
    /// Resize), TorchSharp's path resizes before the model, so the two differ by more than the ONNX parity tests'
    /// same-input bars (docs/onnx.md); the worst differences among the top detections are printed.</summary>
    public static void AssertMatch(IReadOnlyList<Det> expected, IReadOnlyList<Det> actual, string what, int top = 5)
    {
        Assert.IsTrue(actual.Count > 0, $"{what}: no detections");
        Assert.AreEqual(expected.Count, actual.Count, 2, $"{what}: detection count");
        double worstBox = 0, worstScore = 0;
        foreach (var a in actual.OrderByDescending(d => d.Score).Take(top))
        {
            var twin = expected.Where(e => e.Label == a.Label)
                .OrderBy(e => e.Box.Zip(a.Box).Max(p => Math.Abs(p.First - p.Second))).FirstOrDefault();
            double box = twin is null ? double.PositiveInfinity : twin.Box.Zip(a.Box).Max(p => Math.Abs(p.First - p.Second));
            double score = twin is null ? double.PositiveInfinity : Math.Abs(twin.Score - a.Score);
            Assert.IsTrue(box < 1 && score < 2e-3, $"{what}: no TorchSharp detection matches {a.Label} {a.Score} [{string.Join(", ", a.Box)}]" +
                (twin is null ? "" : $"; the nearest is {twin.Score} [{string.Join(", ", twin.Box)}]"));
            (worstBox, worstScore) = (Math.Max(worstBox, box), Math.Max(worstScore, score));
        }
        Console.WriteLine($"{what}: {actual.Count} detections (TorchSharp {expected.Count}); top {top}: boxes within {worstBox:G2} px, scores within {worstScore:G2}");
    }
}
