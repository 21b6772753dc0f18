using System.Runtime.InteropServices;
using Google.Protobuf;
using Rcnn.Onnx.Protos;
using static TorchSharp.torch;

namespace Rcnn.Onnx;

/// <summary>
/// Builds one ONNX model (IR 8, default-domain opset 17): initializers, constants, nodes with typed attributes,
/// inputs/outputs with symbolic dims and metadata. Every value and node name is made unique on the way in.
/// </summary>
public sealed class OnnxGraphBuilder
{
    public const long IrVersion = 8;
    public const long OpsetVersion = 17;
    public const string ProducerName = "Rcnn.MLNet";

    private readonly GraphProto graph;
    private readonly ModelProto model;
    private readonly HashSet<string> valueNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> nodeNames = new(StringComparer.Ordinal);

    public OnnxGraphBuilder(string graphName)
    {
        graph = new GraphProto { Name = graphName };
        model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0.0.0",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
    }

    public ModelProto Model => model;

    /// <summary>A value name not used yet: <paramref name="hint"/> itself, else hint_1, hint_2, ...</summary>
    public string UniqueName(string hint) => Reserve(valueNames, hint);

    public string AddInput(string name, TensorProto.Types.DataType type, params OnnxDim[] dims)
    {
        if (!valueNames.Add(name)) throw new ArgumentException($"Graph input name '{name}' is already used.", nameof(name));
        graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> (an existing value) as a graph output.</summary>
    public void AddOutput(string value, TensorProto.Types.DataType type, params OnnxDim[] dims)
    {
        if (!valueNames.Contains(value)) throw new ArgumentException($"Graph output '{value}' is not a value of the graph.", nameof(value));
        graph.Output.Add(ValueInfo(value, type, dims));
    }

    /// <summary>A float32 or int64 TorchSharp tensor as an initializer (raw little-endian data).</summary>
    public string AddInitializer(string hint, Tensor tensor)
    {
        var proto = ToTensorProto(tensor);
        proto.Name = UniqueName(hint);
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    public string AddInitializer(string hint, float[] values, params long[] dims) =>
        AddTensorInitializer(hint, RawTensor(TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()), values.Length, dims));

    public string AddInitializer(string hint, long[] values, params long[] dims) =>
        AddTensorInitializer(hint, RawTensor(TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(values.AsSpan()), values.Length, dims));

    /// <summary>A 1-D int64 Constant node (shapes, axes).</summary>
    public string AddConstant(string hint, params long[] values) =>
        AddConstantNode(hint, RawTensor(TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(values.AsSpan()), values.Length, values.Length));

    /// <summary>A float32 scalar Constant node.</summary>
    public string AddConstant(string hint, float value) =>
        AddConstantNode(hint, RawTensor(TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(new[] { value }.AsSpan()), 1));

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    public string AddNode(string opType, string name, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes) =>
        AddNode(opType, name, inputs, 1, attributes)[0];

    /// <summary>Adds a node; inputs may be "" for an omitted optional input.</summary>
    public IReadOnlyList<string> AddNode(string opType, string name, IReadOnlyList<string> inputs, int outputCount,
        params OnnxAttribute[] attributes)
    {
        if (string.IsNullOrEmpty(opType)) throw new ArgumentException("opType must not be empty.", nameof(opType));
        if (outputCount < 1) throw new ArgumentOutOfRangeException(nameof(outputCount), outputCount, "must be at least 1");
        foreach (var input in inputs)
            if (input.Length > 0 && !valueNames.Contains(input))
                throw new ArgumentException($"Node '{name}' ({opType}) reads '{input}', which no earlier node or input defines.", nameof(inputs));
        var node = new NodeProto { OpType = opType, Name = Reserve(nodeNames, name), Domain = "" };
        node.Input.AddRange(inputs);
        var outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++) outputs[i] = UniqueName(outputCount == 1 ? name : $"{name}:{i}");
        node.Output.AddRange(outputs);
        foreach (var a in attributes) node.Attribute.Add(a.Proto);
        graph.Node.Add(node);
        return outputs;
    }

    public void SetMetadata(string key, string value)
    {
        if (string.IsNullOrEmpty(key)) throw new ArgumentException("Metadata key must not be empty.", nameof(key));
        var existing = model.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (existing is not null) existing.Value = value;
        else model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
    }

    public byte[] ToBytes() => model.ToByteArray();

    /// <summary>Writes the model next to <paramref name="path"/> first and then renames it, so readers never see half a file.</summary>
    public void Save(string path)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                model.WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>A float32 or int64 tensor as a TensorProto with raw data (no name).</summary>
    public static TensorProto ToTensorProto(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        return cpu.dtype switch
        {
            ScalarType.Float32 => RawTensor(TensorProto.Types.DataType.Float,
                MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()), cpu.numel(), cpu.shape),
            ScalarType.Int64 => RawTensor(TensorProto.Types.DataType.Int64,
                MemoryMarshal.AsBytes(cpu.data<long>().ToArray().AsSpan()), cpu.numel(), cpu.shape),
            _ => throw new NotSupportedException($"Initializers must be float32 or int64, got {cpu.dtype}."),
        };
    }

    private string AddTensorInitializer(string hint, TensorProto proto)
    {
        proto.Name = UniqueName(hint);
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    private string AddConstantNode(string hint, TensorProto value) =>
        AddNode("Constant", hint, Array.Empty<string>(), OnnxAttribute.Tensor("value", value));

    private static TensorProto RawTensor(TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes, long count, params long[] dims)
    {
        // ONNX raw_data is little-endian; so is every platform .NET and libtorch run on here.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian machine.");
        long expected = dims.Aggregate(1L, (a, d) => a * d);
        if (expected != count)
            throw new ArgumentException($"{count} values do not fill a tensor of shape [{string.Join(", ", dims)}].", nameof(dims));
        var proto = new TensorProto { DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        proto.Dims.AddRange(dims);
        return proto;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, OnnxDim[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d.Value is { } v) dim.DimValue = v;
            else if (d.Param is { } p) dim.DimParam = p;
            shape.Dim.Add(dim);
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static string Reserve(HashSet<string> used, string hint)
    {
        if (string.IsNullOrEmpty(hint)) hint = "v";
        if (used.Add(hint)) return hint;
        for (int i = 1; ; i++)
            if (used.Add($"{hint}_{i}")) return $"{hint}_{i}";
    }
}
