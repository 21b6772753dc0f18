using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>
/// Tensor-and-number arithmetic that keeps its Scalar alive. TorchSharp frees a Scalar only in its finalizer, and a
/// temporary one (<c>t * 0.5</c>, <c>a + b</c>, which is <c>add(b, alpha: 1)</c>) is unreachable once native code has
/// its handle, so a GC on another thread can free it mid-call (DEVELOPERS.md, "Scalars"). Constants here are static;
/// a value is held by a <c>using</c> until the call returns. ScalarLifetimeAuditTests rejects any other form.
/// </summary>
public static class Scalars
{
    /// <summary>Long-lived Scalars for common constants: 0, 1 and -1 (integer) and 0.5 (double).</summary>
    public static readonly Scalar Zero = 0, One = 1, MinusOne = -1, Half = 0.5;

    /// <summary><c>a + b</c>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>a + alpha * b</c>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b, double alpha)
    {
        using var s = alpha.ToScalar();
        return a.add(b, s);
    }

    /// <summary><c>a + v</c>, elementwise; an integer tensor becomes float (the long overload keeps it).</summary>
    public static Tensor Plus(this Tensor a, double v)
    {
        using var s = v.ToScalar();
        return a.add(s, One);
    }

    // Integer overloads keep an integer tensor integer: a double Scalar would promote it to float.
    /// <summary><c>a + v</c>, elementwise, keeping an integer tensor integer.</summary>
    public static Tensor Plus(this Tensor a, long v)
    {
        using var s = v.ToScalar();
        return a.add(s, One);
    }

    /// <summary><c>a - v</c>, elementwise, keeping an integer tensor integer.</summary>
    public static Tensor Minus(this Tensor a, long v)
    {
        using var s = v.ToScalar();
        return a.sub(s);
    }

    /// <summary><c>a * v</c>, elementwise, keeping an integer tensor integer.</summary>
    public static Tensor Times(this Tensor a, long v)
    {
        using var s = v.ToScalar();
        return a.mul(s);
    }

    /// <summary><c>a - v</c>, elementwise.</summary>
    public static Tensor Minus(this Tensor a, double v)
    {
        using var s = v.ToScalar();
        return a.sub(s);
    }

    /// <summary><c>v - a</c>.</summary>
    public static Tensor SubtractedFrom(this Tensor a, double v)
    {
        using var s = v.ToScalar();
        return a.neg().add(s, One);
    }

    /// <summary><c>a * v</c>, elementwise.</summary>
    public static Tensor Times(this Tensor a, double v)
    {
        using var s = v.ToScalar();
        return a.mul(s);
    }

    /// <summary><c>a *= v</c> in place (<c>mul_</c>); returns <paramref name="a"/>.</summary>
    public static Tensor Times_(this Tensor a, double v)
    {
        using var s = v.ToScalar();
        return a.mul_(s);
    }

    /// <summary><c>a / v</c>, elementwise true division (an integer tensor becomes floating point).</summary>
    public static Tensor Over(this Tensor a, double v)
    {
        using var s = v.ToScalar();
        return a.div(s);
    }

    /// <summary><c>a &gt; v</c>: a bool tensor of <paramref name="a"/>'s shape.</summary>
    public static Tensor Gt(this Tensor a, double v)
    {
        using var s = v.ToScalar();
        return a.gt(s);
    }

    /// <summary><c>a &gt;= v</c>: a bool tensor of <paramref name="a"/>'s shape.</summary>
    public static Tensor Ge(this Tensor a, double v)
    {
        using var s = v.ToScalar();
        return a.ge(s);
    }

    /// <summary><c>a &lt; v</c>: a bool tensor of <paramref name="a"/>'s shape.</summary>
    public static Tensor Lt(this Tensor a, double v)
    {
        using var s = v.ToScalar();
        return a.lt(s);
    }

    /// <summary><c>a == v</c>: a bool tensor of <paramref name="a"/>'s shape.</summary>
    public static Tensor Eq(this Tensor a, long v)
    {
        using var s = v.ToScalar();
        return a.eq(s);
    }

    /// <summary><c>a != v</c>: a bool tensor of <paramref name="a"/>'s shape.</summary>
    public static Tensor Ne(this Tensor a, long v)
    {
        using var s = v.ToScalar();
        return a.ne(s);
    }

    /// <summary><c>a.clamp(min, max)</c>: each element limited to [min, max]; integer bounds keep an integer tensor
    /// integer.</summary>
    public static Tensor Clamp(this Tensor a, long min, long max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return a.clamp(lo, hi);
    }

    /// <summary><c>a.clamp(min, max)</c>: each element limited to [min, max].</summary>
    public static Tensor Clamp(this Tensor a, double min, double max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return a.clamp(lo, hi);
    }

    /// <summary><c>a.clamp_(min, max)</c>: each element limited to [min, max] in place; returns a.</summary>
    public static Tensor Clamp_(this Tensor a, double min, double max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return a.clamp_(lo, hi);
    }

    /// <summary><c>a.clamp_min(min)</c>: each element at least <paramref name="min"/>.</summary>
    public static Tensor ClampMin(this Tensor a, double min)
    {
        using var s = min.ToScalar();
        return a.clamp_min(s);
    }

    /// <summary><c>a.clamp_max(max)</c>: each element at most <paramref name="max"/>.</summary>
    public static Tensor ClampMax(this Tensor a, double max)
    {
        using var s = max.ToScalar();
        return a.clamp_max(s);
    }

    /// <summary><c>a.fill_(v)</c>: every element set to <paramref name="v"/> in place; returns a.</summary>
    public static Tensor Fill_(this Tensor a, double v)
    {
        using var s = v.ToScalar();
        return a.fill_(s);
    }

    /// <summary><c>a.masked_fill_(mask, v)</c>: the elements where the bool <paramref name="mask"/> (broadcastable to
    /// <paramref name="a"/>) is true set to <paramref name="v"/> in place; returns <paramref name="a"/>.</summary>
    public static Tensor MaskedFill_(this Tensor a, Tensor mask, double v)
    {
        using var s = v.ToScalar();
        return a.masked_fill_(mask, s);
    }

    /// <summary><c>a.index_fill_(dim, index, v)</c>: the slices along <paramref name="dim"/> at the positions in
    /// the 1-D int64 <paramref name="index"/> set to <paramref name="v"/> in place; returns a.</summary>
    public static Tensor IndexFill_(this Tensor a, long dim, Tensor index, double v)
    {
        using var s = v.ToScalar();
        return a.index_fill_(dim, index, s);
    }

    /// <summary><c>torch.full</c>.</summary>
    public static Tensor Full(long[] size, double value, ScalarType dtype, Device device)
    {
        using var s = value.ToScalar();
        return full(size, s, dtype, device);
    }

    /// <summary><c>torch.arange(start, end, step)</c>.</summary>
    public static Tensor Arange(double start, double end, double step, ScalarType dtype, Device device)
    {
        using var a = start.ToScalar();
        using var b = end.ToScalar();
        using var c = step.ToScalar();
        return arange(a, b, c, dtype, device);
    }

    /// <summary><c>torch.arange(end)</c>.</summary>
    public static Tensor Arange(long end, ScalarType dtype, Device device)
    {
        using var b = end.ToScalar();
        return arange(Zero, b, One, dtype, device);
    }
}
