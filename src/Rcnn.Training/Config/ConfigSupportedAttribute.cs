namespace Rcnn.Training.Config;

/// <summary>The values of a key this port implements, where detectron2 accepts more: any other value is refused with
/// <see cref="Reason"/>, so a switch the port does not implement never reads as if it took effect.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigSupportedAttribute(params object[] values) : Attribute
{
    public IReadOnlyList<object> Values { get; } = values;

    /// <summary>What the other values would need, for the error message.</summary>
    public string Reason { get; set; } = "";
}
