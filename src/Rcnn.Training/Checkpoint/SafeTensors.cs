using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Checkpoint;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header mapping each name to
/// its dtype, shape and byte range, then the raw little-endian tensor bytes. Python's torch, torchvision and
/// detectron2 users can produce it without pickles, and it is what our checkpoints are written in.
/// </summary>
public static class SafeTensors
{
    private static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new()
    {
        ["F64"] = (ScalarType.Float64, 8), ["F32"] = (ScalarType.Float32, 4), ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2), ["I64"] = (ScalarType.Int64, 8), ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2), ["I8"] = (ScalarType.Int8, 1), ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Loads every tensor (on the CPU); <paramref name="metadata"/> gets the optional string metadata.</summary>
    public static Dictionary<string, Tensor> Load(string path, out Dictionary<string, string> metadata)
    {
        using var stream = File.OpenRead(path);
        try
        {
            return Read(stream, out metadata);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    public static Dictionary<string, Tensor> Read(Stream stream, out Dictionary<string, string> metadata)
    {
        var lengthBytes = new byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength == 0 || headerLength > 100_000_000)
            throw new InvalidDataException($"not a safetensors file (header length {headerLength})");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        using var header = JsonDocument.Parse(headerBytes);
        long dataStart = 8 + (long)headerLength;

        metadata = new Dictionary<string, string>();
        var entries = new List<(string Name, ScalarType Type, int Size, long[] Shape, long Begin, long End)>();
        foreach (var p in header.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                foreach (var m in p.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                continue;
            }
            string dtype = p.Value.GetProperty("dtype").GetString() ?? "";
            if (!DTypes.TryGetValue(dtype, out var dt))
                throw new InvalidDataException($"tensor '{p.Name}' has unsupported dtype {dtype}");
            var shape = p.Value.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();
            var offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(v => v.GetInt64()).ToArray();
            long count = shape.Aggregate(1L, (a, b) => a * b);
            if (offsets.Length != 2 || offsets[1] - offsets[0] != count * dt.Size)
                throw new InvalidDataException($"tensor '{p.Name}': byte range [{string.Join(", ", offsets)}] does not fit shape [{string.Join(", ", shape)}] of {dtype}");
            entries.Add((p.Name, dt.Type, dt.Size, shape, offsets[0], offsets[1]));
        }

        var result = new Dictionary<string, Tensor>();
        foreach (var e in entries.OrderBy(e => e.Begin))
        {
            stream.Seek(dataStart + e.Begin, SeekOrigin.Begin);
            var bytes = new byte[e.End - e.Begin];
            stream.ReadExactly(bytes);
            var t = empty(e.Shape, e.Type);
            if (bytes.Length > 0) t.bytes = bytes;
            result[e.Name] = t;
        }
        return result;
    }

    /// <summary>Writes <paramref name="tensors"/> atomically: to a temporary file, then renamed over the target,
    /// so a crash mid-write never leaves a truncated file under <paramref name="path"/>.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        string tmp = path + ".tmp-" + Environment.ProcessId;
        using (var stream = File.Create(tmp))
        {
            Write(stream, tensors, metadata);
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Writes the tensors' bytes straight from their native storage: no managed copy of the weights is made, so
    /// saving a checkpoint every few hundred iterations does not leave hundreds of MB of large-object garbage behind.</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        // The contiguous CPU views live only for this call (the scope frees their handles, never the caller's tensors).
        using var scope = torch.NewDisposeScope();
        var views = new List<Tensor>(names.Count);
        using var headerJson = new MemoryStream();
        using (var w = new Utf8JsonWriter(headerJson))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var name in names)
            {
                var t = tensors[name].detach().cpu().contiguous();
                string dtype = DTypes.FirstOrDefault(d => d.Value.Type == t.dtype).Key
                    ?? throw new ArgumentException($"tensor '{name}' has dtype {t.dtype}, which safetensors cannot store");
                long length = t.numel() * t.ElementSize;
                views.Add(t);
                w.WriteStartObject(name);
                w.WriteString("dtype", dtype);
                w.WriteStartArray("shape");
                foreach (var d in t.shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += length;
            }
            w.WriteEndObject();
        }
        var header = headerJson.ToArray();
        int pad = (8 - header.Length % 8) % 8;   // keeps the data 8-byte aligned, as the reference writer does
        var lengthBytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)(header.Length + pad));
        stream.Write(lengthBytes);
        stream.Write(header);
        for (int i = 0; i < pad; i++) stream.WriteByte((byte)' ');
        foreach (var t in views)
            if (t.numel() > 0) stream.Write(t.bytes);
    }
}
