using Microsoft.ML.OnnxRuntime;
using Rcnn.Onnx.Protos;
using Rcnn.Training;
using static TorchSharp.torch;
using DataType = Rcnn.Onnx.Protos.TensorProto.Types.DataType;

namespace Rcnn.Onnx.Tests;

[TestClass]
public sealed class OnnxGraphBuilderTests
{
    [TestMethod]
    public void Names_AreMadeUnique()
    {
        var g = new OnnxGraphBuilder("t");
        var x = g.AddInput("x", DataType.Float, 2);
        Assert.AreEqual("relu", g.AddNode("Relu", "relu", new[] { x }));
        Assert.AreEqual("relu_1", g.AddNode("Relu", "relu", new[] { x }));
        Assert.AreEqual("relu_2", g.UniqueName("relu"));
        CollectionAssert.AreEqual(new[] { "relu", "relu_1" }, g.Model.Graph.Node.Select(n => n.Name).ToArray());
    }

    [TestMethod]
    public void NodeReadingAnUndefinedValue_IsRejected()
    {
        var g = new OnnxGraphBuilder("t");
        var e = Assert.ThrowsExactly<ArgumentException>(() => g.AddNode("Relu", "r", new[] { "nowhere" }));
        StringAssert.Contains(e.Message, "nowhere");
    }

    [TestMethod]
    public void ZeroValuedAttributes_StayOnTheWire()
    {
        // ONNX requires exactly one value field per attribute; a proto3 field without presence would drop i = 0 and f = 0.
        var g = new OnnxGraphBuilder("t");
        var x = g.AddInput("x", DataType.Float, 1, 4);
        g.AddOutput(g.AddNode("Flatten", "f", new[] { x }, OnnxAttribute.Int("axis", 0)), DataType.Float, 1, 4);
        var node = ModelProto.Parser.ParseFrom(g.ToBytes()).Graph.Node.Single();
        Assert.IsTrue(node.Attribute.Single().HasI);
        Assert.AreEqual(AttributeProto.Types.AttributeType.Int, node.Attribute.Single().Type);
    }

    [TestMethod]
    public void SmallGraph_RunsInOnnxRuntime_WithInitializerConstantAndAttributes()
    {
        // y = Transpose(x * w + c, perm [1, 0]) with w = [1, 2, 3] and c = 0.5: for x = [[1, 1, 1], [2, 0, -1]] by hand
        // x * w + c = [[1.5, 2.5, 3.5], [2.5, 0.5, -2.5]], transposed = [[1.5, 2.5], [2.5, 0.5], [3.5, -2.5]].
        TorchRuntime.EnsureLoaded();
        var g = new OnnxGraphBuilder("t");
        var x = g.AddInput("x", DataType.Float, "rows", 3);
        var w = g.AddInitializer("w", tensor(new float[] { 1, 2, 3 }));
        var c = g.AddConstant("c", 0.5f);
        var y = g.AddNode("Add", "add", new[] { g.AddNode("Mul", "mul", new[] { x, w }), c });
        g.AddOutput(g.AddNode("Transpose", "y", new[] { y }, OnnxAttribute.Ints("perm", 1, 0)), DataType.Float, 3, "rows");
        var path = Path.Combine(Path.GetTempPath(), $"rcnn-onnx-{Guid.NewGuid():N}", "small.onnx");
        try
        {
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.GetDirectoryName(path)!).FullName, "small.onnx"), "old");
            g.Save(path);
            Assert.AreEqual(1, Directory.GetFiles(Path.GetDirectoryName(path)!).Length, "no temporary file is left behind");
            using var session = new InferenceSession(path);
            using var input = OrtValue.CreateTensorValueFromMemory(new float[] { 1, 1, 1, 2, 0, -1 }, new long[] { 2, 3 });
            using var result = session.Run(new RunOptions(), new[] { "x" }, new[] { input }, new[] { "y" });
            CollectionAssert.AreEqual(new long[] { 3, 2 }, result[0].GetTensorTypeAndShape().Shape);
            CollectionAssert.AreEqual(new float[] { 1.5f, 2.5f, 2.5f, 0.5f, 3.5f, -2.5f }, result[0].GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [TestMethod]
    public void Int64Initializer_IsRawLittleEndian()
    {
        TorchRuntime.EnsureLoaded();
        var proto = OnnxGraphBuilder.ToTensorProto(tensor(new long[] { 1, -2 }).reshape(1, 2));
        Assert.AreEqual((int)DataType.Int64, proto.DataType);
        CollectionAssert.AreEqual(new long[] { 1, 2 }, proto.Dims.ToArray());
        // -2 in two's complement little-endian is FE FF .. FF.
        CollectionAssert.AreEqual(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, proto.RawData.ToByteArray());
        Assert.ThrowsExactly<NotSupportedException>(() => OnnxGraphBuilder.ToTensorProto(tensor(new double[] { 1 })));
    }
}
