using System.Globalization;
using System.Text.RegularExpressions;

namespace Rcnn.Training.Config;

/// <summary>Resolves plain (unquoted) YAML scalars the way PyYAML's YAML 1.1 resolver does, so that the same file
/// means the same thing here as in detectron2: yes/no/on/off are bools, a float needs a '.', and so on.</summary>
internal static partial class YamlScalars
{
    public static object? ResolvePlain(string s)
    {
        switch (s)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON": return true;
            case "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF": return false;
        }
        if (DecimalInt().IsMatch(s) && long.TryParse(s.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
            return l;
        if (HexInt().Match(s) is { Success: true } hex)
            return (hex.Groups[1].Value == "-" ? -1 : 1) * Convert.ToInt64(hex.Groups[2].Value.Replace("_", ""), 16);
        if (OctalInt().Match(s) is { Success: true } oct)
            return (oct.Groups[1].Value == "-" ? -1 : 1) * Convert.ToInt64(oct.Groups[2].Value.Replace("_", ""), 8);
        if (Float().IsMatch(s))
        {
            string t = s.Replace("_", "");
            string body = t.TrimStart('+', '-');
            double sign = t.StartsWith('-') ? -1 : 1;
            if (body is ".inf" or ".Inf" or ".INF") return sign * double.PositiveInfinity;
            if (body is ".nan" or ".NaN" or ".NAN") return double.NaN;
            return double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return s;
    }

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9_]*)$")]
    private static partial Regex DecimalInt();

    [GeneratedRegex(@"^([-+]?)0x([0-9a-fA-F_]+)$")]
    private static partial Regex HexInt();

    [GeneratedRegex(@"^([-+]?)0([0-7_]+)$")]
    private static partial Regex OctalInt();

    [GeneratedRegex(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex Float();
}
