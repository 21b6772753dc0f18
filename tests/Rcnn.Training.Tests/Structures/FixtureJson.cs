using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Structures;

/// <summary>Reads the committed torch/torchvision reference fixtures (tests/fixtures/structures_*.json).</summary>
internal static class FixtureJson
{
    public static JsonElement Load(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "fixtures", name);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    /// <summary>A number, or a (nested) array of numbers, as a float32 tensor; JSON null (NaN in torch) becomes NaN.</summary>
    public static Tensor ToTensor(JsonElement json, ScalarType dtype = ScalarType.Float32)
    {
        var values = new List<double>();
        var shape = new List<long>();
        Flatten(json, values, shape, 0);
        return tensor(values.ToArray(), dtype: ScalarType.Float64).reshape(shape.ToArray()).to_type(dtype);
    }

    /// <summary>Largest absolute difference; NaN on either side (or a shape mismatch) fails.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape");
        if (expected.numel() == 0) return;
        var e = expected.to_type(ScalarType.Float64);
        var a = actual.to_type(ScalarType.Float64);
        Assert.IsFalse(a.isnan().any().item<bool>(), $"{what}: NaN in the result");
        double maxDiff = (e - a).abs().max().item<double>();
        Assert.IsTrue(maxDiff <= tolerance, $"{what}: max |difference| {maxDiff:E3} > {tolerance:E1}");
    }

    private static void Flatten(JsonElement json, List<double> values, List<long> shape, int depth)
    {
        if (json.ValueKind == JsonValueKind.Array)
        {
            if (shape.Count == depth) shape.Add(json.GetArrayLength());
            foreach (var item in json.EnumerateArray()) Flatten(item, values, shape, depth + 1);
        }
        else
        {
            values.Add(json.ValueKind == JsonValueKind.Null ? double.NaN : json.GetDouble());
        }
    }
}
