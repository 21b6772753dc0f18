using System.Text.Json;
using Rcnn.Training.Checkpoint;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Checkpoint;

[TestClass]
public class SafeTensorsTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    [TestMethod]
    public void ReadsAFileWrittenByPythonWithEveryDtype()
    {
        using var scope = NewDisposeScope();
        var tensors = SafeTensors.Load(Fixture("safetensors_sample.safetensors"), out var metadata);
        Assert.AreEqual("checkpoint_formats.py", metadata["producer"]);
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture("safetensors_sample.json")));
        Assert.AreEqual(doc.RootElement.EnumerateObject().Count(), tensors.Count);
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            var t = tensors[p.Name];
            CollectionAssert.AreEqual(p.Value.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray(), t.shape, p.Name);
            var expected = p.Value.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var actual = t.to_type(ScalarType.Float64).flatten().data<double>().ToArray();
            CollectionAssert.AreEqual(expected, actual, p.Name);
        }
        Assert.AreEqual(ScalarType.Bool, tensors["bool_mask"].dtype);
        Assert.AreEqual(ScalarType.Float16, tensors["float16_pair"].dtype);
    }

    [TestMethod]
    public void WriteThenReadGivesTheSameTensors()
    {
        using var scope = NewDisposeScope();
        string path = Path.Combine(Path.GetTempPath(), $"st-{Guid.NewGuid():N}.safetensors");
        try
        {
            var original = new Dictionary<string, Tensor>
            {
                ["a.weight"] = randn(7, 3), ["b.count"] = tensor(new long[] { -1, 5 }), ["c.empty"] = zeros(0, 4),
                ["d.mask"] = tensor(new[] { true, false }),
            };
            SafeTensors.Save(path, original, new Dictionary<string, string> { ["format"] = "pt" });
            var back = SafeTensors.Load(path, out var meta);
            Assert.AreEqual("pt", meta["format"]);
            Assert.AreEqual(original.Count, back.Count);
            foreach (var (k, v) in original)
            {
                Assert.AreEqual(v.dtype, back[k].dtype, k);
                CollectionAssert.AreEqual(v.shape, back[k].shape, k);
                Assert.IsTrue(v.eq(back[k]).all().item<bool>(), k);
            }
            Assert.IsFalse(Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + ".tmp-*").Any(), "temp file left behind");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TruncatedOrForeignFilesFailWithThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"st-{Guid.NewGuid():N}.safetensors");
        try
        {
            var whole = File.ReadAllBytes(Fixture("safetensors_sample.safetensors"));
            File.WriteAllBytes(path, whole[..(whole.Length - 10)]);
            var e = Assert.ThrowsExactly<EndOfStreamException>(() => SafeTensors.Load(path));
            File.WriteAllBytes(path, "not a tensor file at all"u8.ToArray());
            var e2 = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Load(path));
            StringAssert.Contains(e2.Message, path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
