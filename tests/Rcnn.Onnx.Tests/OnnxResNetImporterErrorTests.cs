using Google.Protobuf;
using Rcnn.Onnx.Protos;
using Rcnn.Training.Checkpoint;

namespace Rcnn.Onnx.Tests;

/// <summary>Graphs the importer cannot map onto a ResNet trunk, made by changing one node of ML.NET's ResNet18.onnx:
/// each is an error that names the node and says why.</summary>
[TestClass]
public sealed class OnnxResNetImporterErrorTests
{
    private static OnnxResNetImport Import(Action<GraphProto> change)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(PretrainedWeights.Resolve(PretrainedWeights.ResNet18.Name)));
        change(model.Graph);
        return OnnxResNetImporter.Import(OnnxModelFile.Parse(model.ToByteArray(), "changed.onnx"));
    }

    private static NodeProto Node(GraphProto g, string name) => g.Node.Single(n => n.Name == name);

    private static void SetInts(GraphProto g, string node, string attribute, params long[] values)
    {
        var a = Node(g, node).Attribute.Single(a => a.Name == attribute);
        a.Ints.Clear();
        a.Ints.AddRange(values);
    }

    [TestMethod]
    public void TheUnchangedGraphImports()
    {
        using var import = Import(_ => { });
        Assert.AreEqual(18, import.Architecture.Depth);
    }

    [TestMethod]
    public void AnActivationOtherThanReluIsNamed()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Import(g => Node(g, "ReLU289").OpType = "Sigmoid"));
        StringAssert.Contains(e.Message, "changed.onnx: Sigmoid node 'ReLU289' cannot be mapped onto a ResNet trunk");
    }

    [TestMethod]
    public void PaddingThatIsNotSymmetricOnEvenSizesIsNamed()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Import(g => SetInts(g, "Convolution285", "pads", 2, 2, 2, 2)));
        StringAssert.Contains(e.Message, "Conv node 'Convolution285'");
        StringAssert.Contains(e.Message, "pads [2, 2, 2, 2] where the trunk pads 1 on each side");
    }

    [TestMethod]
    public void AStrideInTheSecondBlockOfAStageIsNamed()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Import(g => SetInts(g, "Convolution303", "strides", 2, 2)));
        StringAssert.Contains(e.Message, "Conv node 'Convolution303'");
    }

    [TestMethod]
    public void AWeightComputedAtRunTimeIsNamed()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Import(g => g.Initializer.Remove(g.Initializer.Single(t => t.Name == Node(g, "Convolution317").Input[1]))));
        StringAssert.Contains(e.Message, "Conv node 'Convolution317'");
        StringAssert.Contains(e.Message, "not a constant initializer");
    }

    [TestMethod]
    public void ABranchOffTheTrunkIsNamed()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Import(g =>
            g.Node.Add(new NodeProto { Name = "Probe", OpType = "Sigmoid", Input = { "ReLU315_Output_0" }, Output = { "probe" } })));
        StringAssert.Contains(e.Message, "Sigmoid node 'Probe'");
    }

    [TestMethod]
    public void ACorruptFileIsNamed()
    {
        var bytes = File.ReadAllBytes(PretrainedWeights.Resolve(PretrainedWeights.ResNet18.Name))[..5000];
        string path = Path.Combine(Path.GetTempPath(), $"truncated-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, bytes);
        try
        {
            var e = Assert.ThrowsExactly<InvalidDataException>(() => OnnxResNetImporter.Read(path));
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, "not a readable ONNX model");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
