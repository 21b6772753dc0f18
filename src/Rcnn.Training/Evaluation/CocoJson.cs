using System.Text.Json;

namespace Rcnn.Training.Evaluation;

/// <summary>Small helpers shared by the COCO JSON readers and writers.</summary>
internal static class CocoJson
{
    public static void WriteBox(Utf8JsonWriter w, string name, CocoBox box)
    {
        w.WriteStartArray(name);
        w.WriteNumberValue(box.X);
        w.WriteNumberValue(box.Y);
        w.WriteNumberValue(box.Width);
        w.WriteNumberValue(box.Height);
        w.WriteEndArray();
    }

    public static JsonElement Property(JsonElement obj, string name, string where)
    {
        if (obj.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{where} is a {obj.ValueKind}, not an object.");
        if (!obj.TryGetProperty(name, out var v))
            throw new FormatException($"{where} has no \"{name}\".");
        return v;
    }

    public static CocoBox ReadBox(JsonElement obj, string name, string where)
    {
        var v = Property(obj, name, where);
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 4)
            throw new FormatException($"{where}: \"{name}\" must be an array of 4 numbers [x, y, w, h], got {v.GetRawText()}.");
        return new CocoBox(v[0].GetDouble(), v[1].GetDouble(), v[2].GetDouble(), v[3].GetDouble());
    }

    /// <summary>COCO writes flags as 0/1 integers; accept JSON booleans too.</summary>
    public static bool ReadFlag(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v)) return false;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => v.GetInt32() != 0,
        };
    }
}
