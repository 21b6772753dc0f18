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
}
