namespace Rcnn.Training.Checkpoint;

/// <summary>An ONNX node attribute (the kinds a convolutional trunk uses: int, ints, float, floats, string).</summary>
public sealed record OnnxAttribute(string Name, long? Int, IReadOnlyList<long> Ints, float? Float, IReadOnlyList<float> Floats, string? String);

/// <summary>One node of an ONNX graph.</summary>
public sealed record OnnxNode(int Index, string Name, string OpType, string Domain, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    /// <summary>How error messages name the node: its name and op type (its index when it has no name).</summary>
    public string Label => string.IsNullOrEmpty(Name) ? $"{OpType} node #{Index}" : $"{OpType} node '{Name}'";

    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) && a.Int is long v ? v : fallback;

    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out var a) && a.Float is float v ? v : fallback;

    public IReadOnlyList<long>? Ints(string name) => Attributes.TryGetValue(name, out var a) ? a.Ints : null;

    public string? String(string name) => Attributes.TryGetValue(name, out var a) ? a.String : null;
}

/// <summary>A float initializer of an ONNX graph: its shape and values.</summary>
public sealed record OnnxTensor(string Name, long[] Dims, float[] Values);

/// <summary>A graph input or output: its name and shape (a dimension is null when symbolic or unknown).</summary>
public sealed record OnnxValueInfo(string Name, IReadOnlyList<long?> Shape);

/// <summary>
/// An ONNX model read from its protobuf encoding (the fields a weight importer needs: producer, opsets, the graph's
/// nodes, float initializers, inputs and outputs). Initializers stored in external files are refused with their name.
/// </summary>
public sealed class OnnxModelFile
{
    private const int FloatType = 1, DoubleType = 11;

    private OnnxModelFile(string source, string producer, IReadOnlyDictionary<string, long> opsets, IReadOnlyList<OnnxNode> nodes,
        IReadOnlyDictionary<string, OnnxTensor> initializers, IReadOnlyList<OnnxValueInfo> inputs, IReadOnlyList<OnnxValueInfo> outputs)
    {
        Source = source;
        Producer = producer;
        Opsets = opsets;
        Nodes = nodes;
        Initializers = initializers;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>The file (or description) the model was read from, for messages.</summary>
    public string Source { get; }

    /// <summary>producer_name and producer_version, e.g. "CNTK 2.6" or "pytorch 1.13.0".</summary>
    public string Producer { get; }

    /// <summary>Opset version per domain ("" is the default ONNX domain).</summary>
    public IReadOnlyDictionary<string, long> Opsets { get; }

    public IReadOnlyList<OnnxNode> Nodes { get; }

    public IReadOnlyDictionary<string, OnnxTensor> Initializers { get; }

    /// <summary>Graph inputs that are not initializers (IR version 3 lists every initializer as an input too).</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    public static OnnxModelFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX file not found: {path}", path);
        try
        {
            return Parse(File.ReadAllBytes(path), path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} is not a readable ONNX model: {e.Message}", e);
        }
    }

    public static OnnxModelFile Parse(byte[] bytes, string source)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian; this machine is not.");
        var reader = new ProtoWireReader(bytes);
        string producer = "", version = "";
        var opsets = new Dictionary<string, long>();
        ProtoWireReader? graph = null;
        while (reader.Next(out int field))
        {
            switch (field)
            {
                case 2: producer = reader.ReadString(); break;
                case 3: version = reader.ReadString(); break;
                case 7: graph = reader.ReadMessage(); break;
                case 8:
                    var (domain, v) = ReadOpset(reader.ReadMessage());
                    opsets[domain] = v;
                    break;
                default: reader.Skip(); break;
            }
        }
        if (graph is null) throw new InvalidDataException("the model has no graph.");
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>();
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        while (graph.Next(out int field))
        {
            switch (field)
            {
                case 1: nodes.Add(ReadNode(graph.ReadMessage(), nodes.Count)); break;
                case 5:
                    var t = ReadTensor(graph.ReadMessage());
                    initializers[t.Name] = t;
                    break;
                case 11: inputs.Add(ReadValueInfo(graph.ReadMessage())); break;
                case 12: outputs.Add(ReadValueInfo(graph.ReadMessage())); break;
                case 15: throw new InvalidDataException("sparse initializers are not supported.");
                default: graph.Skip(); break;
            }
        }
        return new OnnxModelFile(source, $"{producer} {version}".Trim(), opsets, nodes, initializers,
            inputs.Where(i => !initializers.ContainsKey(i.Name)).ToList(), outputs);
    }

    private static (string Domain, long Version) ReadOpset(ProtoWireReader r)
    {
        string domain = "";
        long version = 0;
        while (r.Next(out int field))
        {
            if (field == 1) domain = r.ReadString();
            else if (field == 2) version = r.ReadInt64();
            else r.Skip();
        }
        return (domain == "ai.onnx" ? "" : domain, version);
    }

    private static OnnxNode ReadNode(ProtoWireReader r, int index)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>();
        string name = "", op = "", domain = "";
        while (r.Next(out int field))
        {
            switch (field)
            {
                case 1: inputs.Add(r.ReadString()); break;
                case 2: outputs.Add(r.ReadString()); break;
                case 3: name = r.ReadString(); break;
                case 4: op = r.ReadString(); break;
                case 5:
                    var a = ReadAttribute(r.ReadMessage());
                    attributes[a.Name] = a;
                    break;
                case 7: domain = r.ReadString(); break;
                default: r.Skip(); break;
            }
        }
        return new OnnxNode(index, name, op, domain, inputs, outputs, attributes);
    }

    private static OnnxAttribute ReadAttribute(ProtoWireReader r)
    {
        string name = "";
        long? i = null;
        float? f = null;
        string? s = null;
        var ints = new List<long>();
        var floats = new List<float>();
        while (r.Next(out int field))
        {
            switch (field)
            {
                case 1: name = r.ReadString(); break;
                case 2: f = r.ReadFixedFloat(); break;
                case 3: i = r.ReadInt64(); break;
                case 4: s = r.ReadString(); break;
                case 7: r.ReadFloats(floats); break;
                case 8: r.ReadVarints(ints); break;
                default: r.Skip(); break;
            }
        }
        return new OnnxAttribute(name, i, ints, f, floats, s);
    }

    private static OnnxTensor ReadTensor(ProtoWireReader r)
    {
        var dims = new List<long>();
        var floats = new List<float>();
        var doubles = new List<double>();
        int type = 0;
        string name = "";
        ArraySegment<byte>? raw = null;
        bool external = false;
        while (r.Next(out int field))
        {
            switch (field)
            {
                case 1: r.ReadVarints(dims); break;
                case 2: type = (int)r.ReadVarint(); break;
                case 4: r.ReadFloats(floats); break;
                case 8: name = r.ReadString(); break;
                case 9: raw = r.ReadBytes(); break;
                case 10:
                    if (r.WireType == 2)
                    {
                        var b = r.ReadBytes();
                        for (int k = 0; k + 8 <= b.Count; k += 8) doubles.Add(BitConverter.ToDouble(b.Array!, b.Offset + k));
                    }
                    else r.Skip();
                    break;
                case 14: external = r.ReadVarint() == 1; break;
                default: r.Skip(); break;
            }
        }
        if (external) throw new InvalidDataException($"initializer '{name}' is stored in an external file, which this reader does not follow.");
        long count = dims.Aggregate(1L, (a, d) => a * d);
        float[] values;
        if (type != FloatType && type != DoubleType)
            values = [];   // int64 shapes and the like: not weights
        else if (raw is { } bytes)
        {
            int size = type == FloatType ? 4 : 8;
            if (bytes.Count != count * size)
                throw new InvalidDataException($"initializer '{name}' has {bytes.Count} bytes of data for shape [{string.Join(", ", dims)}].");
            values = new float[count];
            for (int k = 0; k < count; k++)
                values[k] = type == FloatType
                    ? BitConverter.ToSingle(bytes.Array!, bytes.Offset + 4 * k)
                    : (float)BitConverter.ToDouble(bytes.Array!, bytes.Offset + 8 * k);
        }
        else
        {
            values = type == FloatType ? floats.ToArray() : doubles.Select(d => (float)d).ToArray();
            if (values.Length != count)
                throw new InvalidDataException($"initializer '{name}' has {values.Length} values for shape [{string.Join(", ", dims)}].");
        }
        return new OnnxTensor(name, dims.ToArray(), values);
    }

    private static OnnxValueInfo ReadValueInfo(ProtoWireReader r)
    {
        string name = "";
        var shape = new List<long?>();
        while (r.Next(out int field))
        {
            if (field == 1) name = r.ReadString();
            else if (field == 2) ReadTensorShape(r.ReadMessage(), shape);
            else r.Skip();
        }
        return new OnnxValueInfo(name, shape);
    }

    // TypeProto.tensor_type (1) -> Tensor.shape (2) -> TensorShapeProto.dim (1) -> dim_value (1) | dim_param (2).
    private static void ReadTensorShape(ProtoWireReader type, List<long?> shape)
    {
        while (type.Next(out int f))
        {
            if (f != 1) { type.Skip(); continue; }
            var tensor = type.ReadMessage();
            while (tensor.Next(out int g))
            {
                if (g != 2) { tensor.Skip(); continue; }
                var dims = tensor.ReadMessage();
                while (dims.Next(out int h))
                {
                    if (h != 1) { dims.Skip(); continue; }
                    var dim = dims.ReadMessage();
                    long? value = null;
                    while (dim.Next(out int k))
                    {
                        if (k == 1) value = dim.ReadInt64();
                        else dim.Skip();
                    }
                    shape.Add(value);
                }
            }
        }
    }
}
