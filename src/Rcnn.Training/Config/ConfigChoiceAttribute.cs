namespace Rcnn.Training.Config;

/// <summary>The allowed values of a string or int key (or of every element of a list key).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigChoiceAttribute(params object[] values) : Attribute
{
    public IReadOnlyList<object> Values { get; } = values;
}
