using Google.Protobuf;
using Rcnn.Onnx.Protos;

namespace Rcnn.MLNet.Scoring;

/// <summary>
/// Re-declares the detector graph's variable-length values in the shapes OnnxTransformer handles (found in ML.NET 5.0.1, kept for 6.0.0),
/// leaving what the graph computes unchanged. OnnxTransformer reads a leading unknown dimension as a batch of 1:
/// <list type="bullet">
/// <item>an input <c>pixels</c> [P] would get no unknown dimension to size from the column's length (it fails), so it
/// is declared [1, P] and flattened back inside the graph;</item>
/// <item>outputs <c>boxes</c> [K, 4], <c>scores</c>/<c>labels</c>/<c>label_names</c> [K] would be typed as fixed
/// vectors of 4 or 1 values while holding 4K or K, so each gets a leading 1 (Unsqueeze), which makes K the unknown
/// dimension and the column a variable-length vector.</item>
/// <item>with <c>bytePixels</c> (the <c>Rcnn.ImageToPixelBytes</c> chain), <c>pixels</c> is declared uint8 [1, P]
/// and a Cast to float follows the flattening Reshape, so ONNX Runtime converts the bytes, not managed code. The
/// conversion is exact (0..255), so the graph computes the same values as with float input.</item>
/// </list>
/// The exported file itself keeps the contract's shapes for everyone who runs it with ONNX Runtime directly.
/// </summary>
internal static class MlNetOnnxAdapter
{
    private const string Prefix = "rcnn_mlnet_";

    /// <summary>The graph as the chain scores it: float pixels [1, P], or uint8 [1, P] with <paramref name="bytePixels"/>.</summary>
    public static byte[] Adapt(byte[] onnx, bool bytePixels = false)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var graph = model.Graph;
        bool changed = AdaptPixels(graph, bytePixels);
        foreach (var output in graph.Output)
            changed |= AdaptOutput(graph, output);
        return changed ? model.ToByteArray() : onnx;
    }

    private static bool AdaptPixels(GraphProto graph, bool bytePixels)
    {
        var input = graph.Input.FirstOrDefault(i => i.Name == DetectorOnnxNames.Pixels);
        var tensor = input?.Type?.TensorType;
        var shape = tensor?.Shape;
        if (shape is null || shape.Dim.Count != 1) return false;
        const int FloatType = (int)TensorProto.Types.DataType.Float;
        if (bytePixels && tensor!.ElemType != FloatType)
            throw new ArgumentException($"The detector's '{DetectorOnnxNames.Pixels}' input is of ONNX type {tensor.ElemType}, expected float.");
        string flat = Prefix + "pixels_flat";
        foreach (var node in graph.Node) Replace(node.Input, DetectorOnnxNames.Pixels, flat);
        shape.Dim.Insert(0, new TensorShapeProto.Types.Dimension { DimValue = 1 });
        var target = Int64Initializer(graph, Prefix + "pixels_flat_shape", -1);
        if (!bytePixels)
        {
            graph.Node.Insert(0, Node("Reshape", flat, [DetectorOnnxNames.Pixels, target], flat));
            return true;
        }
        tensor!.ElemType = (int)TensorProto.Types.DataType.Uint8;
        string flatBytes = Prefix + "pixels_flat_u8";
        var cast = Node("Cast", Prefix + "pixels_cast", [flatBytes], flat);
        cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = FloatType });
        graph.Node.Insert(0, cast);
        graph.Node.Insert(0, Node("Reshape", flatBytes, [DetectorOnnxNames.Pixels, target], flatBytes));
        return true;
    }

    private static bool AdaptOutput(GraphProto graph, ValueInfoProto output)
    {
        var shape = output.Type?.TensorType?.Shape;
        if (shape is null || shape.Dim.Count == 0 || shape.Dim[0].DimValue > 0) return false;
        // Our onnx.proto has no graph attributes, so no subgraph can refer to the value: renaming the nodes is enough.
        string inner = Prefix + output.Name;
        foreach (var node in graph.Node)
        {
            Replace(node.Input, output.Name, inner);
            Replace(node.Output, output.Name, inner);
        }
        var axes = Int64Initializer(graph, Prefix + output.Name + "_axes", 0);
        graph.Node.Add(Node("Unsqueeze", Prefix + output.Name + "_unsqueeze", [inner, axes], output.Name));
        shape.Dim.Insert(0, new TensorShapeProto.Types.Dimension { DimValue = 1 });
        return true;
    }

    private static void Replace(Google.Protobuf.Collections.RepeatedField<string> names, string from, string to)
    {
        for (int i = 0; i < names.Count; i++)
            if (names[i] == from) names[i] = to;
    }

    private static string Int64Initializer(GraphProto graph, string name, long value)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(1);
        t.Int64Data.Add(value);
        graph.Initializer.Add(t);
        return name;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var n = new NodeProto { OpType = op, Name = name, Domain = "" };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        return n;
    }
}
