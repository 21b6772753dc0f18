using System.Collections;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Rcnn.Training.Config;

/// <summary>Writes a config as YAML with detectron2's keys, sorted like detectron2's <c>cfg.dump()</c>. Every value
/// is written so that reading it back (YAML, then yacs' literal decoding) gives the same value.</summary>
internal static class ConfigYamlWriter
{
    public static string Write(RcnnConfig cfg)
    {
        var sw = new StringWriter();
        var emitter = new Emitter(sw);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        WriteSection(emitter, cfg, ConfigSchema.Root);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return sw.ToString();
    }

    private static void WriteSection(IEmitter e, RcnnConfig cfg, ConfigKeyInfo section)
    {
        e.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Block));
        foreach (var child in section.Children.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            e.Emit(new Scalar(child.Name));
            if (child.IsSection) WriteSection(e, cfg, child);
            else WriteValue(e, child.GetValue(cfg));
        }
        e.Emit(new MappingEnd());
    }

    private static void WriteValue(IEmitter e, object? v)
    {
        switch (v)
        {
            case null: Plain(e, "null"); break;
            case bool b: Plain(e, b ? "true" : "false"); break;
            case int i: Plain(e, i.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
            case double d: Plain(e, FormatDouble(d)); break;
            case string s: e.Emit(new Scalar(AnchorName.Empty, TagName.Empty, QuoteForLiteralDecoding(s), ScalarStyle.DoubleQuoted, false, true)); break;
            case IList list:
                e.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Flow));
                foreach (var item in list) WriteValue(e, item);
                e.Emit(new SequenceEnd());
                break;
            default: throw new InvalidOperationException($"Cannot write config value of type {v.GetType()}.");
        }
    }

    private static void Plain(IEmitter e, string text) =>
        e.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, ScalarStyle.Plain, true, false));

    // YAML spellings for the non-finite values; everything else in Python's float look ('.' or exponent).
    private static string FormatDouble(double d) =>
        double.IsNaN(d) ? ".nan" : double.IsPositiveInfinity(d) ? ".inf" : double.IsNegativeInfinity(d) ? "-.inf" : PyLiteral.FormatDouble(d);

    // yacs literal-decodes string values, so "1" or "[a]" would come back as an int or a list: quote those Python-style.
    private static string QuoteForLiteralDecoding(string s) =>
        PyLiteral.TryParse(s, out _, out _) ? PyLiteral.Repr(s) : s;
}
