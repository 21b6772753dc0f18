using System.Collections;

namespace Rcnn.Training.Config;

/// <summary>Turns decoded values (from YAML, literals or code) into a leaf's CLR type, checks them against the leaf's
/// attributes, and copies / compares leaf values deeply.</summary>
internal static class ConfigValues
{
    /// <summary>"int", "float", "list of list of float", ... as error messages say it.</summary>
    public static string TypeName(Type t)
    {
        if (t == typeof(bool)) return "bool";
        if (t == typeof(int)) return "int";
        if (t == typeof(double)) return "float";
        if (t == typeof(double?)) return "float or null";
        if (t == typeof(string)) return "string";
        if (ListElement(t) is { } e) return "list of " + TypeName(e);
        return t.Name;
    }

    /// <summary>Converts or returns false. Ints widen to float (yacs would refuse; nothing is lost), floats never
    /// narrow to int, and a tuple and a list are the same thing.</summary>
    public static bool TryConvert(object? raw, Type target, out object? result)
    {
        result = null;
        if (target == typeof(double?))
        {
            if (raw == null) return true;
            target = typeof(double);
        }
        if (raw == null) return false;
        if (target == typeof(bool)) { result = raw as bool?; return raw is bool; }
        if (target == typeof(string)) { result = raw as string; return raw is string; }
        if (target == typeof(int))
        {
            long? l = raw switch { int i => i, long x => x, _ => null };
            if (l is not { } v || v < int.MinValue || v > int.MaxValue) return false;
            result = (int)v;
            return true;
        }
        if (target == typeof(double))
        {
            double? d = raw switch { int i => i, long x => x, float f => f, double x => x, _ => null };
            result = d;
            return d != null;
        }
        if (ListElement(target) is { } elem && raw is IEnumerable seq and not string)
        {
            var list = (IList)Activator.CreateInstance(target)!;
            foreach (var item in seq)
            {
                if (!TryConvert(item, elem, out var converted)) return false;
                list.Add(converted);
            }
            result = list;
            return true;
        }
        return false;
    }

    /// <summary>Checks range, allowed values and length; returns the message tail for the first violation, or null.</summary>
    public static string? Violation(ConfigKeyInfo key, object? value)
    {
        if (key.Length is { } len && value is IList list && !len.Accepts(list.Count))
            return $"has {list.Count} element{(list.Count == 1 ? "" : "s")} ({PyLiteral.Repr(value)}); expected {len.Describe()}";
        foreach (var scalar in Scalars(value))
        {
            if (key.Range is { } r && scalar is int or double && !r.Contains(Convert.ToDouble(scalar)))
                return $"value {PyLiteral.Repr(scalar)} is out of range; allowed range {r.Describe()}";
            if (key.Choice is { } c && !c.Values.Any(v => Equals(v, scalar)))
                return $"value {PyLiteral.Repr(scalar)} is not allowed; allowed values: {string.Join(", ", c.Values.Select(PyLiteral.Repr))}";
            if (key.Supported is { } s && !s.Values.Any(v => Equals(v, scalar)))
                return $"value {PyLiteral.Repr(scalar)} is detectron2's but not supported by this port ({s.Reason}); " +
                       $"supported: {string.Join(", ", s.Values.Select(PyLiteral.Repr))}";
        }
        return null;
    }

    public static object? DeepCopy(object? v)
    {
        if (v is not IList list) return v;
        var copy = (IList)Activator.CreateInstance(v.GetType())!;
        foreach (var item in list) copy.Add(DeepCopy(item));
        return copy;
    }

    public static bool DeepEquals(object? a, object? b)
    {
        if (a is IList la && b is IList lb)
        {
            if (la.Count != lb.Count) return false;
            for (int i = 0; i < la.Count; i++)
                if (!DeepEquals(la[i], lb[i])) return false;
            return true;
        }
        return Equals(a, b);
    }

    public static Type? ListElement(Type t) =>
        t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>) ? t.GetGenericArguments()[0] : null;

    private static IEnumerable<object?> Scalars(object? v)
    {
        if (v is IList list)
        {
            foreach (var item in list)
                foreach (var s in Scalars(item)) yield return s;
        }
        else if (v != null) yield return v;
    }
}
