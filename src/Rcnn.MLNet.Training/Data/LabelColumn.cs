using Microsoft.ML;
using Microsoft.ML.Data;

namespace Rcnn.MLNet.Data;

/// <summary>
/// A per-object label column: a vector of keys (from MapValueToKey; names from its key values) or of text.
/// Reads each row's labels as class names, reporting the row and column of a missing key.
/// </summary>
internal sealed class LabelColumn
{
    private LabelColumn(DataViewSchema.Column column, IReadOnlyList<string>? keyNames)
    {
        Column = column;
        KeyNames = keyNames;
    }

    public DataViewSchema.Column Column { get; }

    /// <summary>The key's value names in key order (key k is KeyNames[k - 1]); null for a text column.</summary>
    public IReadOnlyList<string>? KeyNames { get; }

    public string Name => Column.Name;

    public static LabelColumn Find(DataViewSchema schema, string name, string parameter, string? role = null)
    {
        var col = schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(parameter,
            $"{Prefix(role)}Label column '{name}' was not found; columns: [{string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}].");
        if (col.Type is not VectorDataViewType { ItemType: var item } || item is not (KeyDataViewType or TextDataViewType))
            throw new ArgumentOutOfRangeException(parameter,
                $"{Prefix(role)}Label column '{name}' must be a vector of keys (MapValueToKey over a text vector) or of text, one label per object; got {col.Type}.");
        if (item is not KeyDataViewType key) return new LabelColumn(col, null);
        if (key.RawType != typeof(uint))
            throw new ArgumentOutOfRangeException(parameter, $"{Prefix(role)}Label column '{name}' has keys of {key.RawType.Name}; expected UInt32 keys (MapValueToKey's default).");
        return new LabelColumn(col, KeyValueNames(col, key));
    }

    private static string[] KeyValueNames(DataViewSchema.Column col, KeyDataViewType key)
    {
        const string kind = "KeyValues";  // AnnotationUtils.Kinds.KeyValues (internal)
        if (col.Annotations.Schema.GetColumnOrNull(kind) is { Type: VectorDataViewType { ItemType: TextDataViewType } })
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            col.Annotations.GetValue(kind, ref values);
            return values.DenseValues().Select(v => v.ToString()).ToArray();
        }
        // A key without value names (e.g. ConvertType to a key): the key numbers are the names.
        return Enumerable.Range(1, checked((int)key.Count)).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>A reader of the current row's labels as names; <c>row</c> in messages is the cursor position.</summary>
    public Func<string[]> MakeReader(DataViewRow row)
    {
        if (KeyNames is { } names)
        {
            var getter = row.GetGetter<VBuffer<uint>>(Column);
            VBuffer<uint> buffer = default;
            return () =>
            {
                getter(ref buffer);
                var keys = buffer.DenseValues().ToArray();
                var result = new string[keys.Length];
                for (int i = 0; i < keys.Length; i++)
                {
                    if (keys[i] == 0 || keys[i] > names.Count)
                        throw new InvalidOperationException(
                            $"Row {row.Position}, column '{Name}': label {i} is a missing key (value {keys[i]}); MapValueToKey did not know this label, " +
                            $"the known labels are [{string.Join(", ", names)}].");
                    result[i] = names[(int)keys[i] - 1];
                }
                return result;
            };
        }
        var text = row.GetGetter<VBuffer<ReadOnlyMemory<char>>>(Column);
        VBuffer<ReadOnlyMemory<char>> textBuffer = default;
        return () =>
        {
            text(ref textBuffer);
            var result = textBuffer.DenseValues().Select(v => v.ToString()).ToArray();
            for (int i = 0; i < result.Length; i++)
                if (string.IsNullOrWhiteSpace(result[i]))
                    throw new InvalidOperationException($"Row {row.Position}, column '{Name}': label {i} is empty.");
            return result;
        };
    }

    /// <summary>"Training data: " and the like, so an error says which of several views is wrong.</summary>
    internal static string Prefix(string? role) => role is null ? "" : role + ": ";
}
