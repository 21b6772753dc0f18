using System.Text.Json;

namespace Rcnn.Training.Evaluation;

/// <summary>
/// COCO results files ("coco_instances_results.json" in detectron2): a JSON array of
/// {"image_id", "category_id", "bbox": [x, y, w, h], "score"}, loadable by pycocotools' COCO.loadRes.
/// </summary>
public static class CocoResultsJson
{
    public static void Write(string path, IEnumerable<CocoDetection> detections)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.Create(path);
        Write(stream, detections);
    }

    public static void Write(Stream stream, IEnumerable<CocoDetection> detections)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(detections);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        w.WriteStartArray();
        foreach (var d in detections)
        {
            if (d is null) throw new ArgumentException("A detection is null.", nameof(detections));
            // JSON has no NaN or infinity; refuse rather than write a file pycocotools cannot read.
            if (!double.IsFinite(d.Score))
                throw new ArgumentException($"A detection on image {d.ImageId} has score {d.Score}.", nameof(detections));
            d.Box.Validate(nameof(detections));
            w.WriteStartObject();
            w.WriteNumber("image_id", d.ImageId);
            w.WriteNumber("category_id", d.CategoryId);
            CocoJson.WriteBox(w, "bbox", d.Box);
            w.WriteNumber("score", d.Score);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static IReadOnlyList<CocoDetection> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Load(stream);
    }

    public static IReadOnlyList<CocoDetection> Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var doc = JsonDocument.Parse(stream);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
            throw new FormatException($"A COCO results file is a JSON array, got {doc.RootElement.ValueKind}.");
        var result = new List<CocoDetection>();
        int i = 0;
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var where = $"result {i++}";
            result.Add(new CocoDetection(
                CocoJson.Property(e, "image_id", where).GetInt64(),
                CocoJson.Property(e, "category_id", where).GetInt32(),
                CocoJson.ReadBox(e, "bbox", where),
                CocoJson.Property(e, "score", where).GetDouble()));
        }
        return result;
    }
}
