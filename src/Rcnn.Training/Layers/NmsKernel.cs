using System.Numerics;
using System.Runtime.CompilerServices;

namespace Rcnn.Training.Layers;

/// <summary>
/// The greedy suppression loop behind <see cref="Nms"/>, on managed float32 arrays. Its methods are jitted fully
/// optimised at once: as tier-0 code they slowed the first dozen training iterations (the ones the speed probe times).
/// </summary>
internal static class NmsKernel
{
    /// <summary>
    /// Runs NMS over the boxes named by <paramref name="subset"/> (indices into the (N,4) row-major
    /// <paramref name="boxes"/>, ascending) and returns the kept ones, by decreasing score.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int[] Run(float[] boxes, float[] scores, int[] subset, double iouThreshold)
    {
        int n = subset.Length;
        if (n == 0) return Array.Empty<int>();
        int[] order = OrderByScore(scores, subset);

        // Coordinates gathered in score order so the inner loop streams through memory.
        var x1 = new float[n]; var y1 = new float[n]; var x2 = new float[n]; var y2 = new float[n]; var area = new float[n];
        for (int k = 0; k < n; k++)
        {
            int b = order[k] * 4;
            x1[k] = boxes[b]; y1[k] = boxes[b + 1]; x2[k] = boxes[b + 2]; y2[k] = boxes[b + 3];
            area[k] = (x2[k] - x1[k]) * (y2[k] - y1[k]);
        }

        float threshold = FloatThreshold(iouThreshold);
        var removed = new int[n]; // 0 or -1 (all bits), so vector masks can be OR-ed in
        var keep = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (removed[i] != 0) continue;
            keep.Add(order[i]);
            Suppress(i, x1, y1, x2, y2, area, removed, threshold);
        }
        return keep.ToArray();
    }

    /// <summary>
    /// Marks every later box whose IoU with box <paramref name="i"/> exceeds the threshold. Boxes already removed are
    /// evaluated too (removal is sticky, so the result is the same) to keep the loop branch-free and vectorised;
    /// the vector and scalar paths use the same float operations in the same order as torchvision's kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Suppress(int i, float[] x1, float[] y1, float[] x2, float[] y2, float[] area, int[] removed, float threshold)
    {
        int n = x1.Length;
        float ix1 = x1[i], iy1 = y1[i], ix2 = x2[i], iy2 = y2[i], iarea = area[i];
        int j = i + 1;
        int width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated && n - j >= width)
        {
            var vx1 = new Vector<float>(ix1); var vy1 = new Vector<float>(iy1);
            var vx2 = new Vector<float>(ix2); var vy2 = new Vector<float>(iy2);
            var varea = new Vector<float>(iarea); var vthr = new Vector<float>(threshold);
            for (; j <= n - width; j += width)
            {
                var xx1 = Vector.Max(vx1, new Vector<float>(x1, j));
                var yy1 = Vector.Max(vy1, new Vector<float>(y1, j));
                var xx2 = Vector.Min(vx2, new Vector<float>(x2, j));
                var yy2 = Vector.Min(vy2, new Vector<float>(y2, j));
                var w = Vector.Max(Vector<float>.Zero, xx2 - xx1);
                var h = Vector.Max(Vector<float>.Zero, yy2 - yy1);
                var inter = w * h;
                var ovr = inter / (varea + new Vector<float>(area, j) - inter);
                var mask = Vector.GreaterThan(ovr, vthr) | new Vector<int>(removed, j);
                mask.CopyTo(removed, j);
            }
        }
        for (; j < n; j++)
        {
            float xx1 = MathF.Max(ix1, x1[j]), yy1 = MathF.Max(iy1, y1[j]);
            float xx2 = MathF.Min(ix2, x2[j]), yy2 = MathF.Min(iy2, y2[j]);
            float w = MathF.Max(0f, xx2 - xx1), h = MathF.Max(0f, yy2 - yy1);
            float inter = w * h;
            float ovr = inter / (iarea + area[j] - inter);
            if (ovr > threshold) removed[j] = -1;
        }
    }

    /// <summary>
    /// The largest float not above <paramref name="threshold"/>: for a float IoU f, f &gt; t (compared in double, as
    /// torchvision does) holds exactly when f &gt; this value, so the loop can compare in float.
    /// </summary>
    internal static float FloatThreshold(double threshold)
    {
        float t = (float)threshold;
        return (double)t > threshold ? MathF.BitDecrement(t) : t;
    }

    /// <summary>
    /// <paramref name="indices"/> (ascending) sorted by decreasing score, ties keeping index order, NaN first, as
    /// torch's stable descending sort. One 64-bit key per element: the order-preserving bits of the score, then its position.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int[] OrderByScore(float[] scores, int[] indices)
    {
        int n = indices.Length;
        var keys = new ulong[n];
        for (int k = 0; k < n; k++)
            keys[k] = ((ulong)DescendingKey(scores[indices[k]]) << 32) | (uint)k;
        Array.Sort(keys);
        var result = new int[n];
        for (int k = 0; k < n; k++) result[k] = indices[(int)(uint)keys[k]];
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint DescendingKey(float score)
    {
        if (float.IsNaN(score)) score = float.NaN; // one canonical NaN, sorted above +inf
        if (score == 0f) score = 0f;               // -0 ties with +0
        uint bits = (uint)BitConverter.SingleToInt32Bits(score);
        uint ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        if (float.IsNaN(score)) ascending = uint.MaxValue;
        return ~ascending;
    }
}
