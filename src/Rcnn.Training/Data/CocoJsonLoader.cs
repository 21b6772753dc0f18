using System.Text.Json;

namespace Rcnn.Training.Data;

/// <summary>
/// detectron2's <c>load_coco_json</c> for boxes: categories sorted by id become contiguous ids 0..K-1 (names kept),
/// images sorted by id (including those with no annotation), XYWH boxes turned into XYXY, <c>iscrowd</c> kept.
/// </summary>
public static class CocoJsonLoader
{
    public static LoadedDataset Load(string name, string jsonFile, string imageRoot, IDatasetLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (!File.Exists(jsonFile)) throw new DatasetException(jsonFile, $"COCO JSON of dataset '{name}' not found.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(jsonFile)); }
        catch (JsonException e)
        {
            // System.Text.Json counts lines and bytes from 0.
            throw new DatasetException(jsonFile,
                $"broken JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            var categories = Array(jsonFile, root, "categories")
                .Select(c => (Id: Int(jsonFile, c, "id"), Name: Str(jsonFile, c, "name")))
                .OrderBy(c => c.Id).ToArray();
            var idMap = new Dictionary<int, int>();
            for (int i = 0; i < categories.Length; i++)
                if (!idMap.TryAdd(categories[i].Id, i))
                    throw new DatasetException(jsonFile, $"category id {categories[i].Id} appears twice in 'categories'.");
            var classes = categories.Select(c => c.Name).ToArray();
            string known = string.Join(", ", categories.Select(c => $"{c.Id}:{c.Name}"));

            var images = Array(jsonFile, root, "images")
                .Select(i => (Id: Long(jsonFile, i, "id"), File: Str(jsonFile, i, "file_name"),
                    Height: Int(jsonFile, i, "height"), Width: Int(jsonFile, i, "width")))
                .OrderBy(i => i.Id).ToArray();
            var byImage = images.ToDictionary(i => i.Id, _ => new List<BoxSanitizer.RawBox>());

            foreach (var a in root.TryGetProperty("annotations", out var anns) ? anns.EnumerateArray() : Enumerable.Empty<JsonElement>())
            {
                long imageId = Long(jsonFile, a, "image_id");
                if (!byImage.TryGetValue(imageId, out var list))
                    throw new DatasetException(jsonFile, $"an annotation refers to image_id {imageId}, which is not in 'images'.");
                if (a.TryGetProperty("ignore", out var ig) && ig.GetInt32() != 0)
                    throw new DatasetException(jsonFile, "annotations with \"ignore\": 1 are not supported (as in detectron2).");
                int catId = Int(jsonFile, a, "category_id");
                if (!idMap.TryGetValue(catId, out int cls))
                    throw new DatasetException(jsonFile, $"an annotation of image_id {imageId} has category_id {catId}, which is not in 'categories' (known id:name: {known}).");
                var bbox = Array(jsonFile, a, "bbox").Select(v => v.GetDouble()).ToArray();
                if (bbox.Length != 4)
                    throw new DatasetException(jsonFile, $"an annotation of image_id {imageId} has a bbox of {bbox.Length} numbers, not [x, y, w, h].");
                bool crowd = a.TryGetProperty("iscrowd", out var c) && c.GetInt32() != 0;
                list.Add(new(new ObjectAnnotation(bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3], cls, crowd), false));
            }

            var summary = new DatasetSummary { Name = name };
            var records = new List<DatasetRecord>(images.Length);
            foreach (var img in images)
            {
                var path = Path.Combine(imageRoot, img.File);
                if (!File.Exists(path))
                    throw new DatasetException(path, $"image {img.Id} of '{jsonFile}' not found (dataset '{name}').");
                var source = $"{jsonFile} (image {img.Id}, {img.File})";
                var kept = BoxSanitizer.Sanitize(source, img.Height, img.Width, byImage[img.Id], summary, log);
                records.Add(new DatasetRecord(path, img.Height, img.Width, img.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), kept));
            }
            log.Info(summary.ToString());
            var metadata = new DatasetMetadata(name, classes, idMap, JsonFile: jsonFile, ImageRoot: imageRoot);
            return new LoadedDataset(records, metadata, summary);
        }
    }

    private static JsonElement Prop(string file, JsonElement e, string key) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) ? v
            : throw new DatasetException(file, $"a JSON object lacks the required key \"{key}\".");

    private static IEnumerable<JsonElement> Array(string file, JsonElement e, string key)
    {
        var v = Prop(file, e, key);
        if (v.ValueKind != JsonValueKind.Array) throw new DatasetException(file, $"\"{key}\" is a {v.ValueKind}, not an array.");
        return v.EnumerateArray();
    }

    private static int Int(string file, JsonElement e, string key) =>
        Prop(file, e, key) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out int i) ? i
            : throw new DatasetException(file, $"\"{key}\" is not an integer.");

    private static long Long(string file, JsonElement e, string key) =>
        Prop(file, e, key) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt64(out long i) ? i
            : throw new DatasetException(file, $"\"{key}\" is not an integer.");

    private static string Str(string file, JsonElement e, string key) =>
        Prop(file, e, key) is { ValueKind: JsonValueKind.String } v ? v.GetString()!
            : throw new DatasetException(file, $"\"{key}\" is not a string.");
}
