namespace Rcnn.Training.Config;

/// <summary>Gives a property its detectron2 key where the PascalCase-to-UPPER_SNAKE rule would spell it differently
/// (e.g. <c>STRIDE_IN_1X1</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigKeyAttribute(string key) : Attribute
{
    public string Key { get; } = key;
}
