using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Data;

/// <summary>
/// Reads image/label/box rows (the column contract of DetectObjects and DetectionExperiment), checks every object
/// (naming the row and column of a bad one) and makes Rcnn.Training records of them, so training reads them through
/// Rcnn.Training's own data path (DatasetMapper, augmentations, the prefetching loader) unchanged. Images come through
/// <see cref="ImageColumn"/>: MLImages are written as PNGs into <c>imageFolder</c>, path columns are read in place.
/// </summary>
internal static class TrainingDataReader
{
    /// <param name="classNames">The training classes when reading a validation set (labels are matched by name);
    /// null for the training set, whose classes come from the label key values or, for text, the sorted names.</param>
    /// <param name="allowImagePaths">Whether the image column may be text (image file paths) instead of MLImages.</param>
    public static TrainingData Read(IDataView data, string imageColumn, string labelColumn, string boxColumn,
        IReadOnlyList<string>? classNames, string imageFolder, string role, bool allowImagePaths = false)
    {
        var schema = data.Schema;
        var image = ImageColumn.Find(schema, imageColumn, nameof(imageColumn), role, allowImagePaths);
        var label = LabelColumn.Find(schema, labelColumn, nameof(labelColumn), role);
        var box = BoxColumn.Find(schema, boxColumn, nameof(boxColumn), role);

        var rows = new List<(string File, int Height, int Width, string[] Labels, float[] Boxes)>();
        using (var cursor = data.GetRowCursor([image.Column, label.Column, box]))
        {
            var readImage = image.MakeReader(cursor, imageFolder, role);
            var readLabels = label.MakeReader(cursor);
            var readBoxes = BoxColumn.MakeReader(cursor, box);
            while (cursor.MoveNext())
            {
                long r = cursor.Position;
                var labels = readLabels();
                var boxes = readBoxes();
                if (boxes.Length != 4 * labels.Length)
                    throw new InvalidOperationException(
                        $"{role}: row {r}: column '{boxColumn}' has {boxes.Length / 4} boxes but column '{labelColumn}' has {labels.Length} labels; they must match.");
                var (file, width, height) = readImage();
                for (int i = 0; i < labels.Length; i++)
                    CheckBox(role, r, boxColumn, i, boxes.AsSpan(4 * i, 4), width, height);
                rows.Add((file, height, width, labels, boxes));
            }
        }
        if (rows.Count == 0) throw new ArgumentException($"{role} has no rows.", nameof(data));

        IReadOnlyList<string> classes = classNames
            ?? label.KeyNames
            ?? rows.SelectMany(x => x.Labels).Distinct().Order(StringComparer.Ordinal).ToArray();
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var records = new List<DatasetRecord>(rows.Count);
        int objects = 0;
        foreach (var (row, r) in rows.Select((x, i) => (x, i)))
        {
            var annotations = new List<ObjectAnnotation>(row.Labels.Length);
            for (int i = 0; i < row.Labels.Length; i++)
            {
                if (!index.TryGetValue(row.Labels[i], out int cls))
                    throw new InvalidOperationException(
                        $"{role}: row {r}, column '{labelColumn}': unknown label '{row.Labels[i]}'; the training classes are [{string.Join(", ", classes)}].");
                var b = row.Boxes;
                annotations.Add(new ObjectAnnotation(b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3], cls));
            }
            objects += annotations.Count;
            records.Add(new DatasetRecord(row.File, row.Height, row.Width, r.ToString(CultureInfo.InvariantCulture), annotations));
        }
        if (objects == 0) throw new ArgumentException($"{role}: no row has an object (column '{labelColumn}' is empty everywhere).", nameof(data));
        return new TrainingData(records, classes, objects);
    }

    /// <summary>A box must have positive width and height and overlap its image (a partly outside box is clipped
    /// by the data mapper, as in detectron2).</summary>
    private static void CheckBox(string role, long row, string column, int i, ReadOnlySpan<float> b, int width, int height)
    {
        string text = string.Create(CultureInfo.InvariantCulture, $"({b[0]}, {b[1]}, {b[2]}, {b[3]})");
        if (b[2] <= b[0] || b[3] <= b[1])
            throw new InvalidOperationException(
                $"{role}: row {row}, column '{column}': box {i} (x0, y0, x1, y1) = {text} is degenerate (x1 <= x0 or y1 <= y0).");
        if (b[2] <= 0 || b[3] <= 0 || b[0] >= width || b[1] >= height)
            throw new InvalidOperationException(
                $"{role}: row {row}, column '{column}': box {i} = {text} lies outside the {width}x{height} image.");
    }
}
