using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Rcnn.Training.Layers;

/// <summary>
/// ROIAlign forward and input-gradient loops over raw float32 NCHW memory, driven by per-ROI <see cref="RoiAlignPlan"/>s.
/// Both run channel by channel over all ROIs: one channel's plane (e.g. 200 x 304 floats on p2) and the compact
/// separable plans stay in cache while every ROI reads or writes it, instead of each ROI pulling its window of all
/// channels from memory. Splitting the work by channel also means no two threads ever write the same element.
/// A bin's columns usually fit a 4- or 8-wide window: then each of its rows costs one vector multiply-add.
/// The loop bodies are jitted fully optimised at once (tier-0 vector code slowed the first dozen training iterations).
/// </summary>
internal static unsafe class RoiAlignKernel
{
    /// <summary>
    /// output (M, C, ph, pw) from input (N, C, H, W): ROI k goes to output row <paramref name="outputRows"/>[k]
    /// (k itself when null), which lets the levels of a multi-level pooler write straight into one output.
    /// </summary>
    public static void Forward(float* input, float* output, RoiAlignPlan[] plans, int[]? outputRows, int channels, in RoiAlignGeometry g)
    {
        long plane = (long)g.Height * g.Width;
        int pooledH = g.PooledHeight, pooledW = g.PooledWidth, width = g.Width;
        Run(channels, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int c) =>
        {
            for (int k = 0; k < plans.Length; k++)
            {
                var plan = plans[k];
                float* src = input + ((long)plan.Batch * channels + c) * plane;
                float* dst = output + ((long)(outputRows?[k] ?? k) * channels + c) * pooledH * pooledW;
                fixed (int* rowStart = plan.RowStart, rows = plan.Rows, colStart = plan.ColStart, cols = plan.Cols)
                fixed (int* winWidth = plan.WindowWidth, winStart = plan.WindowStart)
                fixed (float* rowW = plan.RowWeights, colW = plan.ColWeights, winW = plan.WindowWeights)
                {
                    for (int ph = 0; ph < pooledH; ph++)
                    {
                        int r0 = rowStart[ph], r1 = rowStart[ph + 1];
                        for (int pw = 0; pw < pooledW; pw++)
                        {
                            float acc;
                            if (winWidth[pw] == 4)
                            {
                                // sum_r w_r * row_r[window] first, then one dot with the column weights
                                var sum = Vector128<float>.Zero;
                                float* at = src + winStart[pw];
                                for (int r = r0; r < r1; r++) sum += Vector128.Create(rowW[r]) * Vector128.Load(at + (long)rows[r] * width);
                                acc = Vector128.Sum(sum * Vector128.Load(winW + pw * 8));
                            }
                            else if (winWidth[pw] == 8)
                            {
                                var sum = Vector256<float>.Zero;
                                float* at = src + winStart[pw];
                                for (int r = r0; r < r1; r++) sum += Vector256.Create(rowW[r]) * Vector256.Load(at + (long)rows[r] * width);
                                acc = Vector256.Sum(sum * Vector256.Load(winW + pw * 8));
                            }
                            else
                            {
                                acc = 0f;
                                int t0 = colStart[pw], t1 = colStart[pw + 1];
                                for (int r = r0; r < r1; r++)
                                {
                                    float* line = src + (long)rows[r] * width;
                                    float s = 0f;
                                    for (int t = t0; t < t1; t++) s += colW[t] * line[cols[t]];
                                    acc += rowW[r] * s;
                                }
                            }
                            dst[ph * pooledW + pw] = acc;
                        }
                    }
                }
            }
        });
    }

    /// <summary>
    /// Writes d(output)/d(input) into <paramref name="gradInput"/> (N x C x H x W, uninitialised: each thread zeroes
    /// the planes of its channel just before accumulating into them, while they are about to be in cache anyway).
    /// Rows as in <see cref="Forward"/>.
    /// </summary>
    public static void Backward(float* gradOutput, float* gradInput, RoiAlignPlan[] plans, int[]? outputRows, int batch, int channels, in RoiAlignGeometry g)
    {
        long plane = (long)g.Height * g.Width;
        int pooledH = g.PooledHeight, pooledW = g.PooledWidth, width = g.Width;
        Run(channels, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int c) =>
        {
            for (int n = 0; n < batch; n++)
                new Span<float>(gradInput + ((long)n * channels + c) * plane, checked((int)plane)).Clear();
            for (int k = 0; k < plans.Length; k++)
            {
                var plan = plans[k];
                float* dst = gradInput + ((long)plan.Batch * channels + c) * plane;
                float* src = gradOutput + ((long)(outputRows?[k] ?? k) * channels + c) * pooledH * pooledW;
                fixed (int* rowStart = plan.RowStart, rows = plan.Rows, colStart = plan.ColStart, cols = plan.Cols)
                fixed (int* winWidth = plan.WindowWidth, winStart = plan.WindowStart)
                fixed (float* rowW = plan.RowWeights, colW = plan.ColWeights, winW = plan.WindowWeights)
                {
                    for (int ph = 0; ph < pooledH; ph++)
                    {
                        int r0 = rowStart[ph], r1 = rowStart[ph + 1];
                        for (int pw = 0; pw < pooledW; pw++)
                        {
                            float grad = src[ph * pooledW + pw];
                            if (grad == 0f) continue;
                            if (winWidth[pw] == 4)
                            {
                                // the window's zero weights add exactly 0 to the neighbouring (same-thread) elements
                                var w = Vector128.Load(winW + pw * 8) * grad;
                                float* at = dst + winStart[pw];
                                for (int r = r0; r < r1; r++)
                                {
                                    float* p = at + (long)rows[r] * width;
                                    (Vector128.Load(p) + w * rowW[r]).Store(p);
                                }
                            }
                            else if (winWidth[pw] == 8)
                            {
                                var w = Vector256.Load(winW + pw * 8) * grad;
                                float* at = dst + winStart[pw];
                                for (int r = r0; r < r1; r++)
                                {
                                    float* p = at + (long)rows[r] * width;
                                    (Vector256.Load(p) + w * rowW[r]).Store(p);
                                }
                            }
                            else
                            {
                                int t0 = colStart[pw], t1 = colStart[pw + 1];
                                for (int r = r0; r < r1; r++)
                                {
                                    float* line = dst + (long)rows[r] * width;
                                    float a = rowW[r] * grad;
                                    for (int t = t0; t < t1; t++) line[cols[t]] += a * colW[t];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    private static void Run(int items, Action<int> body)
    {
        if (items <= 1 || Environment.ProcessorCount == 1)
        {
            for (int i = 0; i < items; i++) body(i);
            return;
        }
        Parallel.For(0, items, body);
    }
}
