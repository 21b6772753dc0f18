using System.Diagnostics;
using Microsoft.ML;
using Rcnn.MLNet.Data;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Tests;

/// <summary>The bundled BCCD data, temp folders and the child process that loads saved models.</summary>
internal static class TestData
{
    public static string VocRoot => Path.Combine(BuiltinDatasets.FindRoot() ?? throw new DirectoryNotFoundException("datasets/ not found"), "bccd", "BCCD");

    /// <summary>The first <paramref name="count"/> image paths of a BCCD split.</summary>
    public static string[] Images(string split, int count) =>
        File.ReadAllLines(Path.Combine(VocRoot, "ImageSets", "Main", split + ".txt")).Where(l => l.Trim().Length > 0).Take(count)
            .Select(id => Path.Combine(VocRoot, "JPEGImages", id.Trim() + ".jpg")).ToArray();

    /// <summary>Rows with only ImagePath set (what scoring needs).</summary>
    public static IDataView PathRows(MLContext mlContext, IEnumerable<string> paths) =>
        mlContext.Data.LoadFromEnumerable(paths.Select(p => new DetectionDatasetRow { ImagePath = p }).ToList());

    public static IDataView LoadedImages(MLContext mlContext, IEnumerable<string> paths)
    {
        var rows = PathRows(mlContext, paths);
        return mlContext.Transforms.LoadImages("Image", "", "ImagePath").Fit(rows).Transform(rows);
    }

    public static string TempFolder(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "rcnn-mlnet-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Runs the quick-start sample (a fresh process) with <paramref name="args"/>; returns its stdout lines.</summary>
    public static string[] RunSample(params string[] args) => RunSample("MLNetQuickStart", args);

    /// <summary>Runs the scoring-only sample (a fresh process with no training libraries) on a saved model and images.</summary>
    public static string[] RunScoreOnly(params string[] args) => RunSample("ScoreOnly", args);

    private static string[] RunSample(string sample, string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, sample + ".dll");
        Assert.IsTrue(File.Exists(dll), $"{dll} is missing (the test project references the sample).");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.IsTrue(p.WaitForExit(TimeSpan.FromMinutes(5)), "the sample did not finish in 5 minutes");
        Assert.AreEqual(0, p.ExitCode, $"sample failed: {stderr.Result}\n{stdout}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
