namespace Rcnn.Training.Config;

/// <summary>Length limits for a list key: an exact length (e.g. four box-regression weights) or a minimum.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigLengthAttribute : Attribute
{
    /// <summary>Required exact length; -1 for none.</summary>
    public int Exact { get; set; } = -1;
    public int Min { get; set; }

    internal bool Accepts(int n) => Exact >= 0 ? n == Exact : n >= Min;
    internal string Describe() => Exact >= 0 ? $"exactly {Exact} elements" : $"at least {Min} element{(Min == 1 ? "" : "s")}";
}
