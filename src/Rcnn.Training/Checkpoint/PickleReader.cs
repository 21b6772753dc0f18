using System.Buffers.Binary;
using System.Text;

namespace Rcnn.Training.Checkpoint;

/// <summary>A numpy array read from a pickle: its shape, element type ("f4", "f8", "i8" ...) and little-endian bytes.</summary>
public sealed class PickledArray
{
    internal PickledArray() { }

    public long[] Shape { get; internal set; } = [];

    /// <summary>numpy's type code without byte order, e.g. "f4".</summary>
    public string DType { get; internal set; } = "";

    public bool FortranOrder { get; internal set; }

    internal byte[] Data { get; set; } = [];

    /// <summary>The values as float32 (from float32 or float64 data, C order); null for other element types.</summary>
    public float[]? ToFloats()
    {
        if (FortranOrder) throw new InvalidDataException("Fortran-ordered arrays are not supported.");
        long count = Shape.Aggregate(1L, (a, d) => a * d);
        return DType switch
        {
            "f4" when Data.Length == count * 4 => Enumerable.Range(0, (int)count).Select(i => BinaryPrimitives.ReadSingleLittleEndian(Data.AsSpan(4 * i))).ToArray(),
            "f8" when Data.Length == count * 8 => Enumerable.Range(0, (int)count).Select(i => (float)BinaryPrimitives.ReadDoubleLittleEndian(Data.AsSpan(8 * i))).ToArray(),
            "f4" or "f8" => throw new InvalidDataException($"a {DType} array of shape [{string.Join(", ", Shape)}] has {Data.Length} bytes of data."),
            _ => null,
        };
    }
}

/// <summary>
/// Reads the pickles detectron2's model zoo ships (<c>.pkl</c>, written by Python 2's cPickle or Python 3, protocol 2-4):
/// dicts, lists, tuples, strings, numbers and numpy arrays, nothing else. It runs no code: a pickle that names any
/// other class or function is refused with its name, so a file cannot make the reader do anything but build data.
/// Python 2 strings are read as bytes (detectron2 reads them with latin1) and become strings where they are dict keys.
/// </summary>
public static class PickleReader
{
    private sealed record Global(string Module, string Name);

    private sealed class Mark;

    private sealed class DType
    {
        public string Code = "";
    }

    private static readonly Mark MarkObject = new();

    public static object? Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Pickle file not found: {path}", path);
        try
        {
            return Parse(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is InvalidDataException or IndexOutOfRangeException or ArgumentOutOfRangeException or InvalidCastException)
        {
            throw new InvalidDataException($"{path} is not a pickle this reader understands: {e.Message}", e);
        }
    }

    public static object? Parse(byte[] bytes)
    {
        var stack = new List<object?>();
        var memo = new Dictionary<long, object?>();
        int p = 0;
        object? Pop() { var v = stack[^1]; stack.RemoveAt(stack.Count - 1); return v; }
        List<object?> PopMark()
        {
            int m = stack.FindLastIndex(o => ReferenceEquals(o, MarkObject));
            if (m < 0) throw new InvalidDataException("no MARK on the stack.");
            var items = stack.GetRange(m + 1, stack.Count - m - 1);
            stack.RemoveRange(m, stack.Count - m);
            return items;
        }
        byte[] Take(long n)
        {
            if (n < 0 || p + n > bytes.Length) throw new InvalidDataException($"a {n}-byte field runs past the end of the file.");
            var b = bytes.AsSpan(p, (int)n).ToArray();
            p += (int)n;
            return b;
        }
        string Line()
        {
            int end = Array.IndexOf(bytes, (byte)'\n', p);
            if (end < 0) throw new InvalidDataException("unterminated line.");
            var s = Encoding.Latin1.GetString(bytes, p, end - p);
            p = end + 1;
            return s;
        }
        int U8() => Take(1)[0];
        int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        void Memoize(long key) => memo[key] = stack[^1];

        while (true)
        {
            if (p >= bytes.Length) throw new InvalidDataException("the pickle has no STOP.");
            int at = p;
            byte op = bytes[p++];
            switch (op)
            {
                case 0x80: U8(); break;                                             // PROTO
                case 0x95: Take(8); break;                                          // FRAME
                case (byte)'.': return stack.Count == 1 ? stack[0] : throw new InvalidDataException($"{stack.Count} values left at STOP.");
                case (byte)'(': stack.Add(MarkObject); break;
                case (byte)'}': stack.Add(new Dictionary<object, object?>()); break;
                case (byte)']': stack.Add(new List<object?>()); break;
                case (byte)')': stack.Add(Array.Empty<object?>()); break;
                case (byte)'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break;                                  // NEWTRUE
                case 0x89: stack.Add(false); break;                                 // NEWFALSE
                case (byte)'K': stack.Add((long)U8()); break;                       // BININT1
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case (byte)'J': stack.Add((long)I32()); break;                      // BININT
                case 0x8a:                                                          // LONG1
                {
                    var b = Take(U8());
                    long v = 0;
                    for (int i = b.Length - 1; i >= 0; i--) v = (v << 8) | b[i];
                    if (b.Length is > 0 and < 8 && (b[^1] & 0x80) != 0) v -= 1L << (8 * b.Length);
                    stack.Add(v);
                    break;
                }
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;  // BINFLOAT
                case (byte)'U': stack.Add(Take(U8())); break;                       // SHORT_BINSTRING (Python 2 str)
                case (byte)'T': stack.Add(Take(I32())); break;                      // BINSTRING
                case (byte)'C': stack.Add(Take(U8())); break;                       // SHORT_BINBYTES
                case (byte)'B': stack.Add(Take(I32())); break;                      // BINBYTES
                case 0x8e: stack.Add(Take(BinaryPrimitives.ReadInt64LittleEndian(Take(8)))); break;  // BINBYTES8
                case 0x8c: stack.Add(Encoding.UTF8.GetString(Take(U8()))); break;   // SHORT_BINUNICODE
                case (byte)'X': stack.Add(Encoding.UTF8.GetString(Take(I32()))); break;
                case 0x8d: stack.Add(Encoding.UTF8.GetString(Take(BinaryPrimitives.ReadInt64LittleEndian(Take(8))))); break;
                case (byte)'q': Memoize(U8()); break;                               // BINPUT
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;
                case 0x94: Memoize(memo.Count); break;                              // MEMOIZE
                case (byte)'h': stack.Add(memo[U8()]); break;                       // BINGET
                case (byte)'j': stack.Add(memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))]); break;
                case (byte)'c': stack.Add(Allowed(Line(), Line(), at)); break;      // GLOBAL
                case 0x93:                                                          // STACK_GLOBAL
                {
                    string name = Text(Pop()), module = Text(Pop());
                    stack.Add(Allowed(module, name, at));
                    break;
                }
                case (byte)'t': stack.Add(PopMark().ToArray()); break;
                case 0x85: stack.Add(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); stack.Add(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(new[] { a, b, c }); break; }
                case (byte)'l': stack.Add(PopMark()); break;
                case (byte)'a': { var v = Pop(); ((List<object?>)stack[^1]!).Add(v); break; }
                case (byte)'e': { var items = PopMark(); ((List<object?>)stack[^1]!).AddRange(items); break; }
                case (byte)'d':
                {
                    var items = PopMark();
                    var d = new Dictionary<object, object?>();
                    for (int i = 0; i + 1 < items.Count; i += 2) d[Key(items[i])] = items[i + 1];
                    stack.Add(d);
                    break;
                }
                case (byte)'s': { var v = Pop(); var k = Pop(); ((Dictionary<object, object?>)stack[^1]!)[Key(k)] = v; break; }
                case (byte)'u':
                {
                    var items = PopMark();
                    var d = (Dictionary<object, object?>)stack[^1]!;
                    for (int i = 0; i + 1 < items.Count; i += 2) d[Key(items[i])] = items[i + 1];
                    break;
                }
                case (byte)'R': { var args = (object?[])Pop()!; var f = (Global)Pop()!; stack.Add(Call(f, args, at)); break; }
                case 0x81: { var args = (object?[])Pop()!; var f = (Global)Pop()!; stack.Add(Call(f, args, at)); break; }  // NEWOBJ
                case (byte)'b': { var state = Pop(); Build(stack[^1], state, at); break; }
                default: throw new InvalidDataException($"opcode 0x{op:x2} at byte {at} is not supported.");
            }
        }
    }

    private static object Key(object? k) => k switch
    {
        byte[] b => Encoding.Latin1.GetString(b),
        null => throw new InvalidDataException("a dict key is None."),
        _ => k,
    };

    private static string Text(object? o) => o switch
    {
        string s => s,
        byte[] b => Encoding.Latin1.GetString(b),
        _ => throw new InvalidDataException($"expected a string, found {o?.GetType().Name ?? "None"}."),
    };

    private static Global Allowed(string module, string name, int at) => (module, name) switch
    {
        ("numpy.core.multiarray" or "numpy._core.multiarray", "_reconstruct") or ("numpy", "ndarray") or ("numpy", "dtype")
            or ("_codecs", "encode") or ("collections", "OrderedDict") or ("__builtin__" or "builtins", "dict") => new Global(module, name),
        _ => throw new InvalidDataException($"the pickle names {module}.{name} (at byte {at}); only numpy arrays, dicts, lists and plain values are read."),
    };

    private static object? Call(Global f, object?[] args, int at) => f.Name switch
    {
        "_reconstruct" => new PickledArray(),
        "ndarray" => f.Module == "numpy" ? new PickledArray() : throw new InvalidDataException($"{f.Module}.{f.Name} at byte {at}."),
        "dtype" => new DType { Code = Text(args[0]) },
        "encode" => Encoding.Latin1.GetBytes(Text(args[0])),   // Python 3's protocol-2 spelling of bytes
        "OrderedDict" or "dict" => new Dictionary<object, object?>(),
        _ => throw new InvalidDataException($"{f.Module}.{f.Name} cannot be called (at byte {at})."),
    };

    private static void Build(object? target, object? state, int at)
    {
        switch (target)
        {
            case PickledArray a when state is object?[] s && s.Length >= 5:
                a.Shape = ((object?[])s[1]!).Select(d => Convert.ToInt64(d)).ToArray();
                var dtype = s[2] as DType ?? throw new InvalidDataException($"array state without a dtype at byte {at}.");
                a.DType = dtype.Code.TrimStart('<', '|', '=');
                if (dtype.Code.StartsWith('>')) throw new InvalidDataException($"a big-endian {dtype.Code} array at byte {at}.");
                a.FortranOrder = s[3] is true;
                a.Data = s[4] switch
                {
                    byte[] raw => raw,
                    List<object?> when a.DType.StartsWith('O') => [],   // an array of Python objects ("O8"): kept, not as numbers
                    _ => throw new InvalidDataException($"array data at byte {at} is not raw bytes."),
                };
                break;
            case DType d when state is object?[] s && s.Length >= 2:
                string order = Text(s[1]);
                if (order == ">") throw new InvalidDataException($"a big-endian dtype at byte {at}.");
                break;
            case Dictionary<object, object?> d when state is Dictionary<object, object?> items:
                foreach (var (k, v) in items) d[k] = v;
                break;
            default:
                throw new InvalidDataException($"BUILD on {target?.GetType().Name ?? "None"} at byte {at}.");
        }
    }
}
