using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests;

/// <summary>Reads tensors written by tools/fixtures/*.py as {"shape": [...], "data": [...]}.</summary>
internal static class TorchFixture
{
    public static JsonElement Load(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "fixtures", name);
        using var stream = File.OpenRead(path);
        return JsonDocument.Parse(stream).RootElement.Clone();
    }

    public static Tensor Tensor(JsonElement e)
    {
        var shape = e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var data = e.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        return tensor(data).reshape(shape);
    }

    /// <summary>Copies fixture weights into <paramref name="module"/>, renaming keys with <paramref name="rename"/>;
    /// every fixture tensor must land on a same-shaped entry and every entry must be filled.</summary>
    public static void LoadWeights(nn.Module module, JsonElement weights, Func<string, string> rename)
    {
        var state = module.state_dict();
        var filled = new HashSet<string>();
        using var _ = no_grad();
        foreach (var p in weights.EnumerateObject())
        {
            string key = rename(p.Name);
            Assert.IsTrue(state.TryGetValue(key, out var target), $"fixture tensor {p.Name} -> {key} has no counterpart; have {string.Join(", ", state.Keys)}");
            var source = Tensor(p.Value);
            CollectionAssert.AreEqual(source.shape, target!.shape, $"shape of {key}");
            target.copy_(source);
            filled.Add(key);
        }
        var missing = state.Keys.Where(k => !filled.Contains(k) && !k.EndsWith("num_batches_tracked")).ToList();
        Assert.AreEqual(0, missing.Count, "not filled from the fixture: " + string.Join(", ", missing));
    }

    public static void AssertClose(Tensor expected, Tensor actual, double atol, string what)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape");
        double diff = (expected - actual).abs().max().item<float>();
        Assert.IsTrue(diff <= atol, $"{what}: max |diff| {diff:g3} > {atol:g3}");
    }
}
