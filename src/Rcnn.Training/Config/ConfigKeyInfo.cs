using System.Reflection;

namespace Rcnn.Training.Config;

/// <summary>One node of the config schema: a section (a mapping of keys) or a leaf (a typed value with its checks).</summary>
internal sealed class ConfigKeyInfo
{
    public ConfigKeyInfo(string name, string fullKey, PropertyInfo? property, ConfigKeyInfo? parent, bool isSection)
    {
        Name = name;
        FullKey = fullKey;
        Property = property;
        Parent = parent;
        IsSection = isSection;
        if (property != null)
        {
            Range = property.GetCustomAttribute<ConfigRangeAttribute>();
            Choice = property.GetCustomAttribute<ConfigChoiceAttribute>();
            Length = property.GetCustomAttribute<ConfigLengthAttribute>();
            Supported = property.GetCustomAttribute<ConfigSupportedAttribute>();
        }
    }

    /// <summary>The last segment, e.g. <c>NMS_THRESH</c>.</summary>
    public string Name { get; }

    /// <summary>The dotted key, e.g. <c>MODEL.RPN.NMS_THRESH</c>; empty for the root.</summary>
    public string FullKey { get; }

    public PropertyInfo? Property { get; }
    public ConfigKeyInfo? Parent { get; }
    public bool IsSection { get; }
    public Type ValueType => Property!.PropertyType;
    public ConfigRangeAttribute? Range { get; }
    public ConfigChoiceAttribute? Choice { get; }
    public ConfigLengthAttribute? Length { get; }
    public ConfigSupportedAttribute? Supported { get; }

    /// <summary>Children in declaration order, keyed by their segment name.</summary>
    public Dictionary<string, ConfigKeyInfo> Children { get; } = new(StringComparer.Ordinal);

    /// <summary>The object that holds this key: the section instance inside <paramref name="root"/>.</summary>
    public object Owner(RcnnConfig root) => Parent == null || Parent.Property == null
        ? root
        : Parent.Property.GetValue(Parent.Owner(root))!;

    public object? GetValue(RcnnConfig root) => Property!.GetValue(Owner(root));

    public void SetValue(RcnnConfig root, object? value) => Property!.SetValue(Owner(root), value);
}
