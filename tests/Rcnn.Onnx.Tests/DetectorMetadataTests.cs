using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Rcnn.Onnx.Export;
using Rcnn.Onnx.Protos;
using Rcnn.Training;
using Rcnn.Training.Config;

namespace Rcnn.Onnx.Tests;

/// <summary>What the detector file promises besides numbers: metadata read back by ONNX Runtime, input/output names
/// per layout, loading with all optimisations, clear errors for bad options.</summary>
[TestClass]
public sealed class DetectorMetadataTests
{
    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    [TestMethod]
    public void Metadata_AndNames_RoundTripThroughOnnxRuntime()
    {
        var (model, cfg) = DetectorBodyExportTests.BccdModel();
        var names = new[] { "RBC", "WBC", "Platelets ünï" };
        var path = Path.Combine(Path.GetTempPath(), $"rcnn-det-{Guid.NewGuid():N}.onnx");
        var yaml = Path.ChangeExtension(path, ".yaml");
        try
        {
            DetectorGraph.Build(model, cfg, new DetectorOnnxOptions { InputLayout = OnnxInputLayout.FlatPixels, ClassNames = names },
                (g, _, _) => g.AddInput("proposals", TensorProto.Types.DataType.Float, "R", 4)).Save(path);
            using var session = OnnxSessionFactory.Create(path);
            var meta = session.ModelMetadata;
            Assert.AreEqual("Rcnn.MLNet", meta.ProducerName);
            var map = meta.CustomMetadataMap;
            CollectionAssert.AreEqual(names, JsonSerializer.Deserialize<string[]>(map["rcnn.class_names"]));
            Assert.AreEqual("BGR", map["rcnn.input_format"]);
            Assert.AreEqual("FlatPixels", map["rcnn.input_layout"]);
            Assert.AreEqual("256", map["rcnn.min_size_test"]);
            Assert.AreEqual("427", map["rcnn.max_size_test"]);
            // The embedded config reloads to the same resolved config.
            File.WriteAllText(yaml, map["rcnn.config"]);
            Assert.AreEqual(cfg.Dump(), RcnnConfig.FromFile(yaml).Dump());
            CollectionAssert.AreEquivalent(new[] { "pixels", "height", "width", "proposals" }, session.InputMetadata.Keys.ToArray());
            CollectionAssert.AreEqual(new[] { "boxes", "scores", "labels", "label_names" }, session.OutputMetadata.Keys.ToArray());
        }
        finally
        {
            File.Delete(path);
            File.Delete(yaml);
        }
    }

    [TestMethod]
    public void WrongClassNameCount_IsRejected()
    {
        var (model, cfg) = DetectorBodyExportTests.BccdModel();
        var e = Assert.ThrowsExactly<ArgumentException>(() => DetectorGraph.Build(model, cfg,
            new DetectorOnnxOptions { ClassNames = new[] { "a", "b" } }, (g, _, _) => g.AddInput("p", TensorProto.Types.DataType.Float, "R", 4)));
        StringAssert.Contains(e.Message, "2 names");
        StringAssert.Contains(e.Message, "NUM_CLASSES is 3");
    }
}
