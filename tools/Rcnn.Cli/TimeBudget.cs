using System.Globalization;
using System.Text.RegularExpressions;

namespace Rcnn.Cli;

/// <summary>Parses durations such as "30m", "1h30m", "90s", "2h" or a bare number of minutes ("20").</summary>
public static partial class TimeBudget
{
    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        if (text.Length == 0) return false;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double minutes))
        {
            value = TimeSpan.FromMinutes(minutes);
            return minutes > 0;
        }
        var m = Pattern().Match(text);
        if (!m.Success) return false;
        double Part(int i) => m.Groups[i].Success ? double.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        value = TimeSpan.FromHours(Part(1)) + TimeSpan.FromMinutes(Part(2)) + TimeSpan.FromSeconds(Part(3));
        return value > TimeSpan.Zero;
    }

    public static TimeSpan Parse(string text, string option) =>
        TryParse(text, out var v) ? v
            : throw new CliUsageException($"{option}: '{text}' is not a duration; use e.g. 30m, 1h30m, 90s or a number of minutes.");

    public static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s" : $"{t.TotalSeconds:F0}s";
}
