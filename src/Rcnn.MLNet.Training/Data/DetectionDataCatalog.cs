using Microsoft.ML;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Data;

/// <summary>
/// COCO JSON and Pascal VOC datasets as IDataViews with the <c>ImagePath</c> / <c>Label</c> / <c>Box</c> columns
/// (<see cref="DetectionDatasetRow"/>). Parsing, checks and error messages are Rcnn.Training's loaders'; crowd regions
/// (never training targets) are left out, VOC "difficult" objects are kept.
/// </summary>
public static class DetectionDataCatalog
{
    /// <param name="log">Where loader notes go (dropped or clipped boxes, classes found); standard error by default.</param>
    public static IDataView LoadFromCocoJson(this DataOperationsCatalog catalog, string jsonFile, string imageRoot, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(jsonFile);
        ArgumentNullException.ThrowIfNull(imageRoot);
        var dataset = CocoJsonLoader.Load(Path.GetFileNameWithoutExtension(jsonFile), jsonFile, imageRoot, Log(log));
        return catalog.LoadFromEnumerable(ToRows(dataset));
    }

    /// <param name="root">The VOC folder (with Annotations/, ImageSets/Main/, JPEGImages/).</param>
    /// <param name="classNames">Class names; by default those found in the split, sorted.</param>
    public static IDataView LoadFromPascalVoc(this DataOperationsCatalog catalog, string root, string split,
        IReadOnlyList<string>? classNames = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentException.ThrowIfNullOrWhiteSpace(split);
        var dataset = PascalVocLoader.Load($"{Path.GetFileName(Path.TrimEndingDirectorySeparator(root))}_{split}", root, split, classNames, Log(log));
        return catalog.LoadFromEnumerable(ToRows(dataset));
    }

    /// <summary>The rows of a loaded Rcnn.Training dataset (full image paths, class names, XYXY boxes), crowd left out.</summary>
    public static IReadOnlyList<DetectionDatasetRow> ToRows(LoadedDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var names = dataset.Metadata.ThingClasses;
        return dataset.Records.Select(r =>
        {
            var objects = r.Annotations.Where(a => !a.IsCrowd).ToArray();
            return new DetectionDatasetRow
            {
                ImagePath = Path.GetFullPath(r.FileName),
                Label = objects.Select(a => names[a.CategoryId]).ToArray(),
                Box = objects.SelectMany(a => new[] { (float)a.X0, (float)a.Y0, (float)a.X1, (float)a.Y1 }).ToArray(),
            };
        }).ToList();
    }

    private static IDatasetLog Log(Action<string>? log) => log is null ? DatasetLog.Console : DatasetLog.FromAction(log);
}
