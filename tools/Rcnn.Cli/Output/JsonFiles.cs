using System.Text.Encodings.Web;
using System.Text.Json;

namespace Rcnn.Cli.Output;

/// <summary>Indented JSON without HTML escaping ("&lt;=" stays readable), for the output folder's files.</summary>
public static class JsonFiles
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write<T>(string path, T value) => File.WriteAllText(path, JsonSerializer.Serialize(value, Options));
}
