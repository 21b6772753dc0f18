using System.Globalization;

namespace Rcnn.Training.Config;

/// <summary>Numeric bounds for a scalar key, or for every number inside a list key.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfigRangeAttribute : Attribute
{
    public ConfigRangeAttribute() { }

    public ConfigRangeAttribute(double min, double max)
    {
        Min = min;
        Max = max;
    }

    public double Min { get; set; } = double.NegativeInfinity;
    public double Max { get; set; } = double.PositiveInfinity;
    public bool MinExclusive { get; set; }
    public bool MaxExclusive { get; set; }

    internal bool Contains(double v) =>
        (MinExclusive ? v > Min : v >= Min) && (MaxExclusive ? v < Max : v <= Max);

    /// <summary>"[0, 1]", "[0, 1)", "> 0", ">= 1" - the way the range reads in an error message.</summary>
    internal string Describe()
    {
        static string F(double d) => d.ToString(CultureInfo.InvariantCulture);
        bool hasMin = !double.IsNegativeInfinity(Min), hasMax = !double.IsPositiveInfinity(Max);
        if (hasMin && hasMax)
            return $"{(MinExclusive ? "(" : "[")}{F(Min)}, {F(Max)}{(MaxExclusive ? ")" : "]")}";
        if (hasMin) return $"{(MinExclusive ? ">" : ">=")} {F(Min)}";
        if (hasMax) return $"{(MaxExclusive ? "<" : "<=")} {F(Max)}";
        return "any number";
    }
}
