namespace Rcnn.Training.Config;

/// <summary>A value read from a YAML file before it meets the schema, with the file it came from so that errors
/// after <c>_BASE_</c> merging still name the right file. <see cref="Value"/> is a <see cref="RawMapping"/> for
/// mappings, otherwise null, bool, long, double, string or a list of those.</summary>
internal sealed record RawNode(object? Value, string Source);

/// <summary>A YAML mapping in file order.</summary>
internal sealed class RawMapping : List<KeyValuePair<string, RawNode>>
{
    public bool TryGet(string key, out RawNode node)
    {
        int i = FindIndex(kv => kv.Key == key);
        node = i >= 0 ? this[i].Value : null!;
        return i >= 0;
    }

    public void Set(string key, RawNode node)
    {
        int i = FindIndex(kv => kv.Key == key);
        if (i >= 0) this[i] = new(key, node);
        else Add(new(key, node));
    }

    public void Remove(string key) => RemoveAll(kv => kv.Key == key);
}
