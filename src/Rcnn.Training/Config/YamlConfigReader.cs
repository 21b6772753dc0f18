using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rcnn.Training.Config;

/// <summary>Reads a config file and its <c>_BASE_</c> chain the way fvcore's <c>load_yaml_with_base</c> does: a
/// relative base path is relative to the file that names it, bases load recursively (a list of bases merges in
/// order), the child is merged over the base key by key for mappings, any other child value replaces the base value,
/// and a child mapping over a base scalar is an error.</summary>
internal static class YamlConfigReader
{
    public const string BaseKey = "_BASE_";

    public static RawMapping LoadWithBase(string path) => LoadWithBase(Path.GetFullPath(path), null, []);

    private static RawMapping LoadWithBase(string path, string? child, List<string> chain)
    {
        if (!File.Exists(path))
        {
            string why = child == null ? "" : $" (named by {BaseKey} in '{child}')";
            throw new ConfigException($"Config file '{path}' does not exist{why}.", source: child ?? path);
        }
        if (chain.Contains(path))
            throw new ConfigException($"{BaseKey} cycle: {string.Join(" -> ", chain.Append(path))}.", source: path);

        var map = Parse(path);
        if (!map.TryGet(BaseKey, out var baseNode)) return map;

        chain.Add(path);
        var bases = baseNode.Value switch
        {
            string s => [s],
            List<object?> l when l.All(x => x is string) => l.Cast<string>().ToList(),
            _ => throw new ConfigException(
                $"{BaseKey} in file '{path}' must be a path or a list of paths, got {PyLiteral.Repr(baseNode.Value)}.", BaseKey, path),
        };
        var merged = new RawMapping();
        foreach (var b in bases)
            MergeInto(LoadWithBase(ResolveBase(b, path), path, chain), merged, "");
        chain.RemoveAt(chain.Count - 1);

        map.Remove(BaseKey);
        MergeInto(map, merged, "");
        return merged;
    }

    private static string ResolveBase(string basePath, string child)
    {
        if (basePath.StartsWith("http://", StringComparison.Ordinal) || basePath.StartsWith("https://", StringComparison.Ordinal))
            throw new ConfigException($"{BaseKey} '{basePath}' in file '{child}' is a URL; only local files are supported.", BaseKey, child);
        if (basePath.StartsWith('~'))
            basePath = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + basePath[1..];
        return Path.GetFullPath(Path.IsPathRooted(basePath) ? basePath : Path.Combine(Path.GetDirectoryName(child)!, basePath));
    }

    /// <summary>Merges <paramref name="a"/> into <paramref name="b"/> (fvcore's <c>merge_a_into_b</c>).</summary>
    private static void MergeInto(RawMapping a, RawMapping b, string prefix)
    {
        foreach (var (key, node) in a)
        {
            string full = prefix.Length == 0 ? key : prefix + "." + key;
            if (node.Value is RawMapping childMap && b.TryGet(key, out var existing))
            {
                if (existing.Value is not RawMapping baseMap)
                    throw new ConfigException(
                        $"Config key '{full}' in file '{node.Source}' is a mapping, but its base file '{existing.Source}' " +
                        $"sets it to the non-mapping value {PyLiteral.Repr(existing.Value)}; a mapping cannot be merged over a scalar.",
                        full, node.Source);
                MergeInto(childMap, baseMap, full);
            }
            else
            {
                b.Set(key, node);
            }
        }
    }

    private static RawMapping Parse(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ConfigException($"File '{path}' is not valid YAML: {e.Message}", source: path, inner: e);
        }
        if (stream.Documents.Count == 0) return [];
        if (stream.Documents.Count > 1)
            throw new ConfigException($"File '{path}' holds {stream.Documents.Count} YAML documents; a config is one mapping.", source: path);
        return stream.Documents[0].RootNode switch
        {
            YamlMappingNode m => ToMapping(m, path),
            YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" } => [],
            var other => throw new ConfigException($"File '{path}' must hold a mapping of config keys at the top level, not a {other.NodeType}.", source: path),
        };
    }

    private static RawMapping ToMapping(YamlMappingNode m, string path)
    {
        var map = new RawMapping();
        foreach (var (k, v) in m.Children)
        {
            string key = (k as YamlScalarNode)?.Value
                ?? throw new ConfigException($"File '{path}' has a non-scalar mapping key at line {k.Start.Line}.", source: path);
            var value = v is YamlMappingNode child ? ToMapping(child, path) : ToValue(v, path);
            map.Set(key, new RawNode(value, path));
        }
        return map;
    }

    private static object? ToValue(YamlNode node, string path) => node switch
    {
        YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s => YamlScalars.ResolvePlain(s.Value ?? ""),
        YamlScalarNode s => s.Value ?? "",
        YamlSequenceNode seq => seq.Children.Select(c => ToValue(c, path)).ToList(),
        YamlMappingNode m => ToMapping(m, path),
        _ => throw new ConfigException($"File '{path}' has an unsupported YAML node at line {node.Start.Line}.", source: path),
    };
}
