using System.Collections;
using System.Globalization;
using System.Text;

namespace Rcnn.Training.Config;

/// <summary>The subset of Python's <c>ast.literal_eval</c> that yacs relies on to decode string values: ints, floats,
/// bools, None, quoted strings, and [..] / (..) sequences, nested. Values come back as null, bool, long, double,
/// string or <see cref="List{T}"/> of object.</summary>
internal static class PyLiteral
{
    /// <summary>Parses <paramref name="text"/>; on failure returns false and says why in <paramref name="error"/>.</summary>
    public static bool TryParse(string text, out object? value, out string? error)
    {
        var p = new Parser(text);
        try
        {
            p.SkipSpace();
            value = p.ParseValue();
            p.SkipSpace();
            if (!p.AtEnd) throw p.Fail("unexpected text after the value");
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            value = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>Python-like rendering for messages and for quoting strings that would otherwise re-parse as literals.</summary>
    public static string Repr(object? v) => v switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        string s => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n").Replace("\t", "\\t") + "'",
        double d => FormatDouble(d),
        float f => FormatDouble(f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Repr)) + "]",
        _ => v.ToString() ?? "",
    };

    /// <summary>Shortest round-trip form with Python's look: always a '.' or an exponent, lower-case 'e'.</summary>
    public static string FormatDouble(double d)
    {
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (double.IsNaN(d)) return "nan";
        string s = d.ToString("R", CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        if (e < 0) return s.Contains('.') ? s : s + ".0";
        string mant = s[..e], exp = s[(e + 1)..];
        if (!mant.Contains('.')) mant += ".0";
        char sign = exp[0] == '-' ? '-' : '+';
        string digits = exp.TrimStart('+', '-').PadLeft(2, '0');
        return $"{mant}e{sign}{digits}";
    }

    private sealed class Parser(string s)
    {
        private int i;
        public bool AtEnd => i >= s.Length;

        public FormatException Fail(string what) => new($"{what} at position {i} of \"{s}\"");

        public void SkipSpace()
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        }

        public object? ParseValue()
        {
            SkipSpace();
            if (AtEnd) throw Fail("expected a value");
            char c = s[i];
            if (c == '[') return ParseSequence(']');
            if (c == '(') return ParseParenthesized();
            if (c is '\'' or '"') return ParseString(c);
            if (c is '-' or '+' or '.' || char.IsAsciiDigit(c)) return ParseNumber();
            if (char.IsAsciiLetter(c) || c == '_') return ParseName();
            throw Fail($"unexpected character '{c}'");
        }

        private List<object?> ParseSequence(char close)
        {
            i++; // opening bracket
            var items = new List<object?>();
            SkipSpace();
            while (true)
            {
                SkipSpace();
                if (AtEnd) throw Fail($"missing '{close}'");
                if (s[i] == close) { i++; return items; }
                items.Add(ParseValue());
                SkipSpace();
                if (AtEnd) throw Fail($"missing '{close}'");
                if (s[i] == ',') { i++; continue; }
                if (s[i] != close) throw Fail($"expected ',' or '{close}'");
            }
        }

        // "(x)" is just x in Python; only a comma (or "()") makes a tuple.
        private object? ParseParenthesized()
        {
            int start = i;
            i++;
            SkipSpace();
            if (!AtEnd && s[i] == ')') { i++; return new List<object?>(); }
            var first = ParseValue();
            SkipSpace();
            if (!AtEnd && s[i] == ')') { i++; return first; }
            i = start;
            return ParseSequence(')');
        }

        private string ParseString(char quote)
        {
            i++;
            var sb = new StringBuilder();
            while (true)
            {
                if (AtEnd) throw Fail("unterminated string");
                char c = s[i++];
                if (c == quote) return sb.ToString();
                if (c != '\\') { sb.Append(c); continue; }
                if (AtEnd) throw Fail("unterminated string");
                char esc = s[i++];
                sb.Append(esc switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => esc });
            }
        }

        private object ParseNumber()
        {
            int start = i;
            if (s[i] is '+' or '-') i++;
            bool isFloat = false;
            while (!AtEnd && (char.IsAsciiDigit(s[i]) || s[i] is '.' or 'e' or 'E' or '_'
                              || (s[i] is '+' or '-' && s[i - 1] is 'e' or 'E')))
            {
                if (s[i] is '.' or 'e' or 'E') isFloat = true;
                i++;
            }
            string tok = s[start..i].Replace("_", "");
            if (!AtEnd && (char.IsAsciiLetter(s[i]))) throw Fail("malformed number");
            if (!isFloat)
            {
                string digits = tok.TrimStart('+', '-');
                // Python 3 rejects leading zeros in decimal ints ("010").
                if (digits.Length == 0 || (digits.Length > 1 && digits[0] == '0')) throw Fail($"malformed number '{tok}'");
                if (long.TryParse(tok, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                throw Fail($"integer '{tok}' is too large");
            }
            if (tok.TrimStart('+', '-').Trim('.').Length == 0) throw Fail($"malformed number '{tok}'");
            if (double.TryParse(tok, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
            throw Fail($"malformed number '{tok}'");
        }

        private object? ParseName()
        {
            int start = i;
            while (!AtEnd && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_')) i++;
            string name = s[start..i];
            return name switch
            {
                "True" => true,
                "False" => false,
                "None" => null,
                _ => throw Fail($"'{name}' is not a literal (quote strings)"),
            };
        }
    }
}
