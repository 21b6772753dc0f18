using System.Runtime.InteropServices;
using Google.Protobuf;
using Rcnn.Onnx.Protos;

namespace Rcnn.Onnx.Export;

/// <summary>
/// Short-hands for the detector's post-processing graph: nodes named under one module path, and typed constants the
/// builder has no overload for (double scalars, float vectors, strings).
/// </summary>
internal sealed class GraphOps(OnnxGraphBuilder g, string path)
{
    public OnnxGraphBuilder Builder { get; } = g;

    public string Path { get; } = path;

    public string N(string op) => ExportPath.Node(Path, op);

    public string Op(string type, string name, params string[] inputs) => Builder.AddNode(type, N(name), inputs);

    public string Op(string type, string name, string[] inputs, params OnnxAttribute[] attributes) =>
        Builder.AddNode(type, N(name), inputs, attributes);

    public IReadOnlyList<string> Ops(string type, string name, string[] inputs, int outputs, params OnnxAttribute[] attributes) =>
        Builder.AddNode(type, N(name), inputs, outputs, attributes);

    /// <summary>1-D int64 constant.</summary>
    public string Ints(string name, params long[] values) => Builder.AddConstant(N(name), values);

    /// <summary>0-d int64 constant.</summary>
    public string Int(string name, long value) =>
        Constant(name, Raw(TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(new[] { value }.AsSpan())));

    /// <summary>0-d float32 constant.</summary>
    public string Float(string name, float value) => Builder.AddConstant(N(name), value);

    /// <summary>1-D float32 constant.</summary>
    public string Floats(string name, params float[] values) =>
        Constant(name, Raw(TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()), values.Length));

    /// <summary>0-d float64 constant.</summary>
    public string Double(string name, double value) =>
        Constant(name, Raw(TensorProto.Types.DataType.Double, MemoryMarshal.AsBytes(new[] { value }.AsSpan())));

    /// <summary>1-D string constant (UTF-8).</summary>
    public string Strings(string name, IReadOnlyList<string> values)
    {
        var proto = new TensorProto { DataType = (int)TensorProto.Types.DataType.String };
        proto.Dims.Add(values.Count);
        foreach (var v in values) proto.StringData.Add(ByteString.CopyFromUtf8(v));
        return Constant(name, proto);
    }

    public string Cast(string name, string x, TensorProto.Types.DataType to) =>
        Op("Cast", name, new[] { x }, OnnxAttribute.Int("to", (long)to));

    /// <summary>Dimension <paramref name="axis"/> of <paramref name="x"/> as a 1-D int64 [1].</summary>
    public string Dim(string name, string x, int axis) =>
        Op("Shape", name, new[] { x }, OnnxAttribute.Int("start", axis), OnnxAttribute.Int("end", axis + 1));

    public string Unsqueeze(string name, string x, params long[] axes) => Op("Unsqueeze", name, x, Ints(name + "_axes", axes));

    public string Squeeze(string name, string x, params long[] axes) => Op("Squeeze", name, x, Ints(name + "_axes", axes));

    public string Reshape(string name, string x, params long[] shape) => Op("Reshape", name, x, Ints(name + "_shape", shape));

    /// <summary>Elements [start, end) of <paramref name="x"/> along <paramref name="axis"/>.</summary>
    public string Slice(string name, string x, long start, long end, long axis) =>
        Op("Slice", name, x, Ints(name + "_starts", start), Ints(name + "_ends", end), Ints(name + "_axes", axis));

    public string Gather(string name, string data, string indices, long axis = 0) =>
        Op("Gather", name, new[] { data, indices }, OnnxAttribute.Int("axis", axis));

    public string Concat(string name, long axis, params string[] inputs) => Op("Concat", name, inputs, OnnxAttribute.Int("axis", axis));

    private string Constant(string name, TensorProto value) =>
        Builder.AddNode("Constant", N(name), Array.Empty<string>(), OnnxAttribute.Tensor("value", value));

    private static TensorProto Raw(TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes, params long[] dims)
    {
        var proto = new TensorProto { DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        proto.Dims.AddRange(dims);
        return proto;
    }
}
