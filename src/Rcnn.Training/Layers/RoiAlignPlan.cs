using System.Runtime.CompilerServices;

namespace Rcnn.Training.Layers;

/// <summary>
/// Where ROIAlign samples one ROI, computed once and shared by every channel (forward and backward).
/// torchvision's rule - a sample is dropped when y &lt; -1, y &gt; H, x &lt; -1 or x &gt; W, otherwise clamped and
/// bilinearly interpolated - treats y and x independently, so a bin's weights are the outer product of a row list
/// (rows of the map with summed y-weights) and a column list. The 1/count average is folded into the row weights.
/// Plans are built for every ROI of every iteration, so their builders are jitted fully optimised at once.
/// </summary>
internal sealed class RoiAlignPlan
{
    public required int Batch { get; init; }
    /// <summary>Per output row ph: entries [RowStart[ph], RowStart[ph+1]) of Rows / RowWeights.</summary>
    public required int[] RowStart { get; init; }
    public required int[] Rows { get; init; }
    public required float[] RowWeights { get; init; }
    /// <summary>Per output column pw: entries [ColStart[pw], ColStart[pw+1]) of Cols / ColWeights.</summary>
    public required int[] ColStart { get; init; }
    public required int[] Cols { get; init; }
    public required float[] ColWeights { get; init; }

    /// <summary>
    /// The same column taps as a fixed-width window per pw, for the vector path: <see cref="WindowWidth"/>[pw] is 4 or 8
    /// (0: the taps span more columns, use the sparse list), the window starts at column <see cref="WindowStart"/>[pw]
    /// (moved left near the right border so it stays inside the row) and its weights, zero where there is no tap, are
    /// <see cref="WindowWeights"/>[pw * 8 ..].
    /// </summary>
    public required int[] WindowWidth { get; init; }
    public required int[] WindowStart { get; init; }
    public required float[] WindowWeights { get; init; }

    /// <summary>Builds the plan of one ROI (batch_index, x0, y0, x1, y1), float arithmetic ordered as torchvision's CPU kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RoiAlignPlan Create(ReadOnlySpan<float> roi, in RoiAlignGeometry g)
    {
        float scale = (float)g.SpatialScale;
        float offset = g.Aligned ? 0.5f : 0f;
        float startW = roi[1] * scale - offset, startH = roi[2] * scale - offset;
        float endW = roi[3] * scale - offset, endH = roi[4] * scale - offset;
        float roiW = endW - startW, roiH = endH - startH;
        if (!g.Aligned)
        {
            roiW = MathF.Max(roiW, 1f);
            roiH = MathF.Max(roiH, 1f);
        }
        float binH = roiH / g.PooledHeight, binW = roiW / g.PooledWidth;
        int gridH = g.SamplingRatio > 0 ? g.SamplingRatio : (int)MathF.Ceiling(roiH / g.PooledHeight);
        int gridW = g.SamplingRatio > 0 ? g.SamplingRatio : (int)MathF.Ceiling(roiW / g.PooledWidth);
        float count = Math.Max(gridH * gridW, 1);

        var (rowStart, rows, rowWeights) = Axis(startH, binH, gridH, g.PooledHeight, g.Height, 1f / count);
        var (colStart, cols, colWeights) = Axis(startW, binW, gridW, g.PooledWidth, g.Width, 1f);
        var (windowWidth, windowStart, windowWeights) = Windows(colStart, cols, colWeights, g.Width);
        return new RoiAlignPlan
        {
            Batch = (int)roi[0],
            RowStart = rowStart, Rows = rows, RowWeights = rowWeights,
            ColStart = colStart, Cols = cols, ColWeights = colWeights,
            WindowWidth = windowWidth, WindowStart = windowStart, WindowWeights = windowWeights,
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int[] Width, int[] Start, float[] Weights) Windows(int[] colStart, int[] cols, float[] colWeights, int width)
    {
        int pooled = colStart.Length - 1;
        var widths = new int[pooled];
        var starts = new int[pooled];
        var weights = new float[pooled * 8];
        for (int p = 0; p < pooled; p++)
        {
            int t0 = colStart[p], t1 = colStart[p + 1];
            if (t1 == t0) continue;
            int span = cols[t1 - 1] - cols[t0] + 1; // taps are sorted by column
            int w = span <= 4 && width >= 4 ? 4 : span <= 8 && width >= 8 ? 8 : 0;
            if (w == 0) continue;
            int start = Math.Min(cols[t0], width - w);
            widths[p] = w;
            starts[p] = start;
            for (int t = t0; t < t1; t++) weights[p * 8 + cols[t] - start] = colWeights[t];
        }
        return (widths, starts, weights);
    }

    /// <summary>Sample taps along one axis for every output bin, duplicates merged and zero weights dropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int[] Start, int[] Index, float[] Weight) Axis(float start, float bin, int grid, int pooled, int size, float factor)
    {
        var starts = new int[pooled + 1];
        var index = new List<int>(pooled * 4);
        var weight = new List<float>(pooled * 4);
        for (int p = 0; p < pooled; p++)
        {
            int first = index.Count;
            starts[p] = first;
            for (int i = 0; i < grid; i++)
            {
                float v = start + p * bin + (i + .5f) * bin / grid;
                if (v < -1f || v > size) continue;
                if (v <= 0) v = 0;
                int low = (int)v, high;
                if (low >= size - 1)
                {
                    high = low = size - 1;
                    v = low;
                }
                else
                {
                    high = low + 1;
                }
                float l = v - low, h = 1f - l;
                Add(index, weight, first, low, h);
                Add(index, weight, first, high, l);
            }
            // Scale, and drop taps whose weights sum to exactly zero (e.g. the clamped high neighbour).
            int kept = first;
            for (int t = first; t < index.Count; t++)
            {
                if (weight[t] == 0f) continue;
                index[kept] = index[t];
                weight[kept++] = weight[t] * factor;
            }
            index.RemoveRange(kept, index.Count - kept);
            weight.RemoveRange(kept, weight.Count - kept);
        }
        starts[pooled] = index.Count;
        return (starts, index.ToArray(), weight.ToArray());
    }

    /// <summary>Adds a tap to the bin's entries [first, end), kept sorted by index. Samples advance along the axis, so
    /// the new index is almost always at or just before the end: the backward scan is short.</summary>
    private static void Add(List<int> index, List<float> weight, int first, int at, float w)
    {
        int j = index.Count - 1;
        while (j >= first && index[j] > at) j--;
        if (j >= first && index[j] == at)
        {
            weight[j] += w;
            return;
        }
        index.Insert(j + 1, at);
        weight.Insert(j + 1, w);
    }
}

/// <summary>The shape-level parameters of one ROIAlign call.</summary>
internal readonly record struct RoiAlignGeometry(
    int Height, int Width, int PooledHeight, int PooledWidth, double SpatialScale, int SamplingRatio, bool Aligned);
