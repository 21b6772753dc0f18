using System.Collections;

namespace Rcnn.Training.Config;

public sealed partial class RcnnConfig
{
    /// <summary>The defaults merged with <paramref name="path"/> (and its bases), then with KEY VALUE overrides.</summary>
    public static RcnnConfig FromFile(string path, IReadOnlyList<string>? overrides = null)
    {
        var cfg = new RcnnConfig();
        cfg.MergeFromFile(path);
        if (overrides != null) cfg.MergeFromList(overrides);
        return cfg;
    }

    /// <summary>Every dotted key that can be set (sections excluded), in declaration order.</summary>
    public static IReadOnlyList<string> AllKeys { get; } = ConfigSchema.Leaves.Select(k => k.FullKey).ToList();

    /// <summary>Merges a YAML file and its <c>_BASE_</c> chain. All or nothing: on error this config is unchanged.</summary>
    public void MergeFromFile(string path)
    {
        var raw = YamlConfigReader.LoadWithBase(path);
        var work = Clone();
        work.MergeMapping(ConfigSchema.Root, raw);
        CopyFrom(work);
    }

    /// <summary>detectron2's <c>merge_from_list</c>: alternating dotted keys and values, the values decoded like
    /// Python literals ("0.5", "(640, 672)", "[[32], [64]]", "True"; anything else stays a string).
    /// All or nothing: on error this config is unchanged.</summary>
    public void MergeFromList(IReadOnlyList<string> keysAndValues)
    {
        ArgumentNullException.ThrowIfNull(keysAndValues);
        const string src = ConfigSources.CommandLine;
        if (keysAndValues.Count % 2 != 0)
            throw new ConfigException(
                $"Overrides must be KEY VALUE pairs, got an odd number of items ({keysAndValues.Count}): " +
                $"{string.Join(" ", keysAndValues)}. The last key '{keysAndValues[^1]}' has no value.", keysAndValues[^1], src);
        var work = Clone();
        for (int i = 0; i < keysAndValues.Count; i += 2)
        {
            string key = keysAndValues[i];
            if (key == YamlConfigReader.BaseKey)
                throw new ConfigException($"{YamlConfigReader.BaseKey} cannot be given as a {src}; put it in a file.", key, src);
            var info = Lookup(key, src);
            work.SetChecked(info, Decode(keysAndValues[i + 1], out string? parseError), src, parseError);
        }
        CopyFrom(work);
    }

    /// <summary>The value of a leaf key, e.g. <c>GetValue("MODEL.ROI_BOX_HEAD.NAME")</c>.</summary>
    public object? GetValue(string key) => Lookup(key, ConfigSources.Code).GetValue(this);

    /// <summary>Sets a leaf key from code, with the same type and range checks as a file.</summary>
    public void SetValue(string key, object? value) => SetChecked(Lookup(key, ConfigSources.Code), value, ConfigSources.Code, null);

    /// <summary>Re-checks every value (useful after setting properties directly from code).</summary>
    public void Validate()
    {
        foreach (var leaf in ConfigSchema.Leaves)
            SetChecked(leaf, leaf.GetValue(this), ConfigSources.Code, null, assign: false);
    }

    private void MergeMapping(ConfigKeyInfo section, RawMapping map)
    {
        foreach (var (name, node) in map)
        {
            string full = section.FullKey.Length == 0 ? name : section.FullKey + "." + name;
            if (!section.Children.TryGetValue(name, out var child)) throw UnknownKey(full, node.Source);
            if (child.IsSection)
            {
                if (node.Value is not RawMapping sub)
                    throw new ConfigException(
                        $"Config key '{full}' in {ConfigSources.Describe(node.Source)} is a section and needs a mapping of keys, " +
                        $"got {PyLiteral.Repr(node.Value)}.", full, node.Source);
                MergeMapping(child, sub);
            }
            else
            {
                if (node.Value is RawMapping)
                    throw new ConfigException(
                        $"Config key '{full}' in {ConfigSources.Describe(node.Source)}: expected {ConfigValues.TypeName(child.ValueType)}, got a mapping.",
                        full, node.Source);
                SetChecked(child, Decode(node.Value, out string? parseError), node.Source, parseError);
            }
        }
    }

    // yacs runs literal_eval over string values only (not over strings inside lists); a failure keeps the string.
    private static object? Decode(object? value, out string? parseError)
    {
        parseError = null;
        if (value is not string s) return value;
        return PyLiteral.TryParse(s, out var parsed, out parseError) ? parsed : s;
    }

    private void SetChecked(ConfigKeyInfo key, object? value, string source, string? parseError, bool assign = true)
    {
        string where = ConfigSources.Describe(source);
        if (!ConfigValues.TryConvert(value, key.ValueType, out var typed))
        {
            string given = value is string && parseError != null
                ? $"{PyLiteral.Repr(value)}, which is not a valid literal ({parseError})"
                : $"{PyLiteral.Repr(value)}";
            // yacs refuses a scalar for a tuple key too; say how the one-element list is written.
            string hint = ConfigValues.ListElement(key.ValueType) is { } element && value is not IList && ConfigValues.TryConvert(value, element, out _)
                ? $" (a one-element list is written ({PyLiteral.Repr(value)},) or [{PyLiteral.Repr(value)}])"
                : "";
            throw new ConfigException(
                $"Config key '{key.FullKey}' in {where}: expected {ConfigValues.TypeName(key.ValueType)}, got {given}{hint}.",
                key.FullKey, source);
        }
        if (ConfigValues.Violation(key, typed) is { } violation)
            throw new ConfigException($"Config key '{key.FullKey}' in {where}: {violation}.", key.FullKey, source);
        if (assign) key.SetValue(this, typed);
    }

    private static ConfigKeyInfo Lookup(string key, string source)
    {
        if (!ConfigSchema.ByKey.TryGetValue(key, out var info)) throw UnknownKey(key, source);
        if (info.IsSection)
            throw new ConfigException(
                $"Config key '{key}' in {ConfigSources.Describe(source)} is a section; name one of its keys, e.g. " +
                $"'{info.Children.Values.First(c => !c.IsSection).FullKey}'.", key, source);
        return info;
    }

    private static ConfigException UnknownKey(string key, string source)
    {
        string where = ConfigSources.Describe(source);
        string? unsupported = ConfigSchema.UnsupportedSections.FirstOrDefault(s => key == s || key.StartsWith(s + ".", StringComparison.Ordinal));
        if (unsupported != null)
            return new ConfigException(
                $"Unsupported config key '{key}' in {where}: detectron2's '{unsupported}' is not supported by this port.", key, source);
        string? hint = Suggestions.Closest(key, ConfigSchema.ByKey.Keys);
        return new ConfigException(
            $"Unknown config key '{key}' in {where}." + (hint == null ? "" : $" Did you mean '{hint}'?"), key, source);
    }
}
