using System.Globalization;

namespace Rcnn.Benchmarks;

/// <summary>`--name value` options taken out of an argument list (what is left are KEY VALUE config overrides).</summary>
internal static class Args
{
    public static int IntOr(ref string[] args, string name, int fallback)
    {
        string? v = Take(ref args, name);
        if (v is null) return fallback;
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n : throw new ArgumentException($"{name} must be a positive integer, got '{v}'.", nameof(args));
    }

    /// <summary>Takes a valueless <paramref name="name"/> out of the list; true if it was there.</summary>
    public static bool Flag(ref string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return false;
        args = [.. args[..i], .. args[(i + 1)..]];
        return true;
    }

    public static string StringOr(ref string[] args, string name, string fallback) => Take(ref args, name) ?? fallback;

    private static string? Take(ref string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return null;
        if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value.", nameof(args));
        string v = args[i + 1];
        args = [.. args[..i], .. args[(i + 2)..]];
        return v;
    }
}
