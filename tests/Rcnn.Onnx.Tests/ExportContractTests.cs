using Microsoft.ML.OnnxRuntime;
using Rcnn.Onnx.Protos;
using Rcnn.Training;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>What the exported file promises besides numbers: header, metadata, optimisable graph, clear errors.</summary>
[TestClass]
public sealed class ExportContractTests
{
    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    [TestMethod]
    public void Header_Metadata_AndFullOptimisation_RoundTrip()
    {
        var fpn = new Fpn(ResNet.Build(18, new[] { "res4", "res5" }, "FrozenBN", res2OutChannels: 64), new[] { "res4", "res5" }, 32,
            topBlock: new LastLevelMaxPool());
        var path = Path.Combine(Path.GetTempPath(), $"rcnn-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            BackboneOnnxExporter.Export(fpn, path, metadata: new Dictionary<string, string> { ["dataset"] = "bccd", ["note"] = "ünïcode ok" });

            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            Assert.AreEqual(8L, model.IrVersion);
            Assert.AreEqual(1, model.OpsetImport.Count);
            Assert.AreEqual("", model.OpsetImport[0].Domain);
            Assert.AreEqual(17L, model.OpsetImport[0].Version);
            Assert.IsTrue(model.Graph.Node.All(n => n.Domain == ""), "only the default domain is used");

            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            using var session = new InferenceSession(path, options);
            var meta = session.ModelMetadata;
            Assert.AreEqual("Rcnn.MLNet", meta.ProducerName);
            Assert.AreEqual("bccd", meta.CustomMetadataMap["dataset"]);
            Assert.AreEqual("ünïcode ok", meta.CustomMetadataMap["note"]);
            Assert.AreEqual("p4,p5,p6", meta.CustomMetadataMap["rcnn.features"]);
            Assert.AreEqual("16,32,64", meta.CustomMetadataMap["rcnn.strides"]);
            Assert.AreEqual("32", meta.CustomMetadataMap["rcnn.size_divisibility"]);
            // Dynamic spatial dims are declared symbolic (-1 in ORT's metadata), channels fixed.
            CollectionAssert.AreEqual(new[] { -1, 3, -1, -1 }, session.InputMetadata[BackboneOnnxExporter.InputName].Dimensions);
            CollectionAssert.AreEqual(new[] { "p4", "p5", "p6" }, session.OutputMetadata.Keys.ToArray());
            Assert.AreEqual(32, session.OutputMetadata["p6"].Dimensions[1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void UnsupportedBlock_IsNamedByPathAndType()
    {
        var stem = new BasicStem(3, 64, "FrozenBN");
        var resnet = new ResNet(stem, new[] { new CnnBlockBase[] { new BasicBlock(64, 64, 1, "FrozenBN"), new ScaledBlock(64) } },
            new[] { "res2" });
        var e = Assert.ThrowsExactly<NotSupportedException>(() => BackboneOnnxExporter.Build(resnet));
        StringAssert.Contains(e.Message, "'res2.1'");
        StringAssert.Contains(e.Message, nameof(ScaledBlock));
    }

    [TestMethod]
    public void UnsupportedBackbone_UnderFpn_IsNamedByPath()
    {
        var fpn = new Fpn(new OneLevelBackbone(), new[] { "c5" }, 32);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => BackboneOnnxExporter.Build(fpn));
        StringAssert.Contains(e.Message, "'bottom_up'");
        StringAssert.Contains(e.Message, nameof(OneLevelBackbone));
    }

    private sealed class ScaledBlock : CnnBlockBase
    {
        public ScaledBlock(int channels) : base(nameof(ScaledBlock), channels, channels, 1) { }

        public override Tensor forward(Tensor x) => x * 2;
    }

    private sealed class OneLevelBackbone : Backbone
    {
        private readonly Conv2dWithNorm conv = new(3, 8, 1, stride: 32);

        public OneLevelBackbone() : base(nameof(OneLevelBackbone)) => RegisterComponents();

        public override IReadOnlyDictionary<string, ShapeSpec> OutputShape() =>
            new Dictionary<string, ShapeSpec> { ["c5"] = new(8, 32) };

        public override Dictionary<string, Tensor> forward(Tensor x) => new() { ["c5"] = conv.call(x) };
    }
}
