using System.Text.Json;

namespace Rcnn.Training.Evaluation;

/// <summary>
/// COCO ground-truth ("instances") JSON in the layout of detectron2's convert_to_coco_json: images, categories,
/// and annotations numbered from 1, so the same evaluation can be repeated with pycocotools elsewhere.
/// Ignored ("difficult") objects carry "ignore": 1. Note that pycocotools' COCOeval overwrites that flag with
/// "iscrowd", so there they count as regular objects; only crowd regions are ignored by it.
/// </summary>
public static class CocoGroundTruthJson
{
    public static void Write(string path, CocoGroundTruth groundTruth)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.Create(path);
        Write(stream, groundTruth);
    }

    public static void Write(Stream stream, CocoGroundTruth groundTruth)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(groundTruth);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteStartObject("info");
        w.WriteString("description", "Ground truth written by Rcnn.Training");
        w.WriteEndObject();

        w.WriteStartArray("images");
        foreach (var img in groundTruth.Images)
        {
            w.WriteStartObject();
            w.WriteNumber("id", img.Id);
            w.WriteNumber("width", img.Width);
            w.WriteNumber("height", img.Height);
            w.WriteString("file_name", img.FileName ?? "");
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("categories");
        foreach (var c in groundTruth.Categories)
        {
            w.WriteStartObject();
            w.WriteNumber("id", c.Id);
            w.WriteString("name", c.Name);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        // pycocotools treats annotation id 0 as "unmatched", so ids start at 1.
        long annId = 1;
        w.WriteStartArray("annotations");
        foreach (var img in groundTruth.Images)
        foreach (var o in img.Objects)
        {
            w.WriteStartObject();
            w.WriteNumber("id", annId++);
            w.WriteNumber("image_id", img.Id);
            w.WriteNumber("category_id", o.CategoryId);
            CocoJson.WriteBox(w, "bbox", o.Box);
            w.WriteNumber("area", o.EffectiveArea);
            w.WriteNumber("iscrowd", o.IsCrowd ? 1 : 0);
            w.WriteNumber("ignore", o.Ignore ? 1 : 0);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNull("licenses");
        w.WriteEndObject();
    }

    public static CocoGroundTruth Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Load(stream);
    }

    /// <summary>Reads a COCO instances file (boxes only; segmentations are not read).</summary>
    public static CocoGroundTruth Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var doc = JsonDocument.Parse(stream);
        var root = doc.RootElement;

        var categories = new List<CocoCategory>();
        foreach (var c in CocoJson.Property(root, "categories", "the ground truth").EnumerateArray())
            categories.Add(new CocoCategory(CocoJson.Property(c, "id", "a category").GetInt32(),
                CocoJson.Property(c, "name", "a category").GetString() ?? ""));

        var imageOrder = new List<(long Id, int Width, int Height, string? FileName)>();
        var objects = new Dictionary<long, List<CocoGroundTruthObject>>();
        foreach (var img in CocoJson.Property(root, "images", "the ground truth").EnumerateArray())
        {
            long id = CocoJson.Property(img, "id", "an image").GetInt64();
            int width = img.TryGetProperty("width", out var wv) ? wv.GetInt32() : 0;
            int height = img.TryGetProperty("height", out var hv) ? hv.GetInt32() : 0;
            string? file = img.TryGetProperty("file_name", out var fv) ? fv.GetString() : null;
            imageOrder.Add((id, width, height, file));
            if (!objects.TryAdd(id, [])) throw new FormatException($"Image id {id} appears twice.");
        }

        if (root.TryGetProperty("annotations", out var anns))
        {
            int i = 0;
            foreach (var a in anns.EnumerateArray())
            {
                var where = $"annotation {i++}";
                long imageId = CocoJson.Property(a, "image_id", where).GetInt64();
                if (!objects.TryGetValue(imageId, out var list))
                    throw new FormatException($"{where} is on image {imageId}, which \"images\" does not list.");
                double? area = a.TryGetProperty("area", out var av) ? av.GetDouble() : null;
                list.Add(new CocoGroundTruthObject(CocoJson.ReadBox(a, "bbox", where),
                    CocoJson.Property(a, "category_id", where).GetInt32(),
                    IsCrowd: CocoJson.ReadFlag(a, "iscrowd"), Area: area, Ignore: CocoJson.ReadFlag(a, "ignore")));
            }
        }

        var images = imageOrder.Select(x => new CocoImage(x.Id, objects[x.Id], x.Width, x.Height, x.FileName)).ToArray();
        return new CocoGroundTruth(categories, images);
    }
}
