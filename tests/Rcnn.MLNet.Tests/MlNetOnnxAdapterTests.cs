using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Rcnn.MLNet.Scoring;
using Rcnn.Onnx.Protos;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Tests;

/// <summary>The graph edits for OnnxTransformer: the byte route's Reshape + Cast, checked on the graph and by running
/// ONNX Runtime on the original export, the float-route graph and the byte-route graph.</summary>
[TestClass]
public sealed class MlNetOnnxAdapterTests
{
    private static ValueInfoProto PixelsInput(ModelProto m) => m.Graph.Input.Single(i => i.Name == DetectorOnnxNames.Pixels);

    [TestMethod]
    public void ByteRoute_DeclaresUint8Pixels_ThenReshapesAndCastsInGraph()
    {
        var original = ModelProto.Parser.ParseFrom(FakeDetector.Build());
        var adapted = ModelProto.Parser.ParseFrom(MlNetOnnxAdapter.Adapt(FakeDetector.Build(), bytePixels: true));

        var input = PixelsInput(adapted);
        Assert.AreEqual((int)TensorProto.Types.DataType.Uint8, input.Type.TensorType.ElemType);
        var dims = input.Type.TensorType.Shape.Dim;
        Assert.HasCount(2, dims);
        Assert.AreEqual(1L, dims[0].DimValue);
        Assert.AreEqual(PixelsInput(original).Type.TensorType.Shape.Dim[0].DimParam, dims[1].DimParam, "P stays the one unknown dimension");

        // Only the Reshape reads the raw input; a Cast to float feeds everything that read 'pixels' before.
        var readers = adapted.Graph.Node.Where(n => n.Input.Contains(DetectorOnnxNames.Pixels)).ToArray();
        Assert.HasCount(1, readers);
        Assert.AreEqual("Reshape", readers[0].OpType);
        var cast = adapted.Graph.Node.Single(n => n.Input.Contains(readers[0].Output[0]));
        Assert.AreEqual("Cast", cast.OpType);
        Assert.AreEqual((long)TensorProto.Types.DataType.Float, cast.Attribute.Single(a => a.Name == "to").I);
        int originalReaders = original.Graph.Node.Count(n => n.Input.Contains(DetectorOnnxNames.Pixels));
        Assert.AreEqual(originalReaders, adapted.Graph.Node.Count(n => n.Input.Contains(cast.Output[0])));
        // Topological order: the two new nodes come first.
        Assert.AreSame(readers[0], adapted.Graph.Node[0]);
        Assert.AreSame(cast, adapted.Graph.Node[1]);
    }

    [TestMethod]
    public void FloatRoute_KeepsFloatPixels_WithoutCast()
    {
        var adapted = ModelProto.Parser.ParseFrom(MlNetOnnxAdapter.Adapt(FakeDetector.Build()));
        Assert.AreEqual((int)TensorProto.Types.DataType.Float, PixelsInput(adapted).Type.TensorType.ElemType);
        Assert.HasCount(2, PixelsInput(adapted).Type.TensorType.Shape.Dim);
        Assert.IsFalse(adapted.Graph.Node.Any(n => n.OpType == "Cast" && n.Name.StartsWith("rcnn_mlnet_", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void OrtOutputs_OfTheByteRoute_EqualTheFloatRoutesAndTheExports()
    {
        var onnx = FakeDetector.Build();
        using var export = new InferenceSession(onnx);
        using var floatRoute = new InferenceSession(MlNetOnnxAdapter.Adapt(onnx));
        using var byteRoute = new InferenceSession(MlNetOnnxAdapter.Adapt(onnx, bytePixels: true));
        foreach (var path in TestData.Images("test", 2))
        {
            var rgb = ImageReader.Read(path, "RGB");
            int plane = rgb.Height * rgb.Width;
            var bytes = new byte[3 * plane];
            for (int p = 0; p < plane; p++)
                for (int c = 0; c < 3; c++)
                    bytes[c * plane + p] = rgb.Data[3 * p + c];
            var floats = bytes.Select(b => (float)b).ToArray();
            NamedOnnxValue[] Size() =>
            [
                NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Height, new DenseTensor<long>(new long[] { rgb.Height }, [1])),
                NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Width, new DenseTensor<long>(new long[] { rgb.Width }, [1])),
            ];
            float[][] Run(InferenceSession s, NamedOnnxValue pixels)
            {
                using var o = s.Run([pixels, .. Size()]);
                var byName = o.ToDictionary(v => v.Name);
                // The adapted graphs' outputs carry a leading 1; the values are what matters.
                return [byName[DetectorOnnxNames.Scores].AsTensor<float>().ToArray(), byName[DetectorOnnxNames.Boxes].AsTensor<float>().ToArray()];
            }
            var truth = Run(export, NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Pixels, new DenseTensor<float>(floats, [floats.Length])));
            var viaFloat = Run(floatRoute, NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Pixels, new DenseTensor<float>(floats, [1, floats.Length])));
            var viaBytes = Run(byteRoute, NamedOnnxValue.CreateFromTensor(DetectorOnnxNames.Pixels, new DenseTensor<byte>(bytes, [1, bytes.Length])));
            var expected = FakeDetector.Expected(rgb.Data, rgb.Height, rgb.Width);
            for (int k = 0; k < 2; k++)
            {
                CollectionAssert.AreEqual(truth[k], viaFloat[k], $"{Path.GetFileName(path)} output {k}: float route");
                CollectionAssert.AreEqual(truth[k], viaBytes[k], $"{Path.GetFileName(path)} output {k}: byte route");
            }
            CollectionAssert.AreEqual(expected.Boxes, viaBytes[1]);
            for (int i = 0; i < 2; i++) Assert.AreEqual(expected.Scores[i], viaBytes[0][i], 1e-5);
        }
    }

    [TestMethod]
    public void ByteRoute_RejectsANonFloatPixelsInput()
    {
        var m = ModelProto.Parser.ParseFrom(FakeDetector.Build());
        PixelsInput(m).Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Double;
        var e = Assert.ThrowsExactly<ArgumentException>(() => MlNetOnnxAdapter.Adapt(Google.Protobuf.MessageExtensions.ToByteArray(m), bytePixels: true));
        StringAssert.Contains(e.Message, "expected float");
    }
}
