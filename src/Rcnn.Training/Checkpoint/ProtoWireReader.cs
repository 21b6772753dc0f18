namespace Rcnn.Training.Checkpoint;

/// <summary>
/// Reads protocol-buffer wire format (varints, fixed 32/64-bit, length-delimited fields) from a byte array, one field
/// at a time; messages nest as sub-readers over their own byte range. Enough to read ONNX files without a generated
/// schema; unknown fields are skipped.
/// </summary>
internal sealed class ProtoWireReader
{
    private readonly byte[] data;
    private readonly int end;
    private int position;

    public ProtoWireReader(byte[] data) : this(data, 0, data.Length) { }

    private ProtoWireReader(byte[] data, int offset, int length)
    {
        this.data = data;
        position = offset;
        end = offset + length;
    }

    /// <summary>The field number of the next field (its wire type in <see cref="WireType"/>); false at the end.</summary>
    public bool Next(out int field)
    {
        if (position >= end)
        {
            field = 0;
            return false;
        }
        ulong key = ReadVarint();
        field = (int)(key >> 3);
        WireType = (int)(key & 7);
        if (field == 0) throw new InvalidDataException($"Corrupt protobuf: field number 0 at byte {position}.");
        return true;
    }

    /// <summary>0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit.</summary>
    public int WireType { get; private set; }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= end) throw new InvalidDataException("Corrupt protobuf: a varint runs past the end of its message.");
            byte b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("Corrupt protobuf: a varint is longer than 10 bytes.");
    }

    public long ReadInt64() => (long)ReadVarint();

    public float ReadFixedFloat()
    {
        Need(4);
        float v = BitConverter.ToSingle(data, position);
        position += 4;
        return v;
    }

    /// <summary>The byte range of a length-delimited field.</summary>
    public ArraySegment<byte> ReadBytes()
    {
        int length = checked((int)ReadVarint());
        Need(length);
        var segment = new ArraySegment<byte>(data, position, length);
        position += length;
        return segment;
    }

    public string ReadString()
    {
        var b = ReadBytes();
        return System.Text.Encoding.UTF8.GetString(b.Array!, b.Offset, b.Count);
    }

    public ProtoWireReader ReadMessage()
    {
        var b = ReadBytes();
        return new ProtoWireReader(b.Array!, b.Offset, b.Count);
    }

    /// <summary>A repeated varint field, packed (one length-delimited run) or not (one value per occurrence).</summary>
    public void ReadVarints(List<long> into)
    {
        if (WireType != 2)
        {
            into.Add(ReadInt64());
            return;
        }
        var packed = ReadMessage();
        while (packed.position < packed.end) into.Add(packed.ReadInt64());
    }

    /// <summary>A repeated float field, packed or not.</summary>
    public void ReadFloats(List<float> into)
    {
        if (WireType != 2)
        {
            into.Add(ReadFixedFloat());
            return;
        }
        var b = ReadBytes();
        if (b.Count % 4 != 0) throw new InvalidDataException($"Corrupt protobuf: a packed float field of {b.Count} bytes.");
        for (int i = 0; i < b.Count; i += 4) into.Add(BitConverter.ToSingle(b.Array!, b.Offset + i));
    }

    public void Skip()
    {
        switch (WireType)
        {
            case 0: ReadVarint(); break;
            case 1: Need(8); position += 8; break;
            case 2: ReadBytes(); break;
            case 5: Need(4); position += 4; break;
            default: throw new InvalidDataException($"Corrupt protobuf: wire type {WireType} at byte {position}.");
        }
    }

    private void Need(int bytes)
    {
        if (bytes < 0 || position + bytes > end)
            throw new InvalidDataException($"Corrupt protobuf: a field of {bytes} bytes runs past the end of its message.");
    }
}
