namespace Rcnn.Training.Layers;

/// <summary>ROIAlign forward and input-gradient loops over raw float32 NCHW memory, driven by per-ROI <see cref="RoiAlignPlan"/>s.</summary>
internal static unsafe class RoiAlignKernel
{
    private const int ChannelBlock = 16;

    /// <summary>output (K, C, ph, pw) from input (N, C, H, W); parallel over ROI x channel blocks (each writes its own outputs).</summary>
    public static void Forward(float* input, float* output, RoiAlignPlan[] plans, int channels, in RoiAlignGeometry g)
    {
        int plane = g.Height * g.Width, bins = g.PooledHeight * g.PooledWidth, width = g.Width;
        int blocks = (channels + ChannelBlock - 1) / ChannelBlock;
        int pooledW = g.PooledWidth;
        long items = (long)plans.Length * blocks;
        var body = (long item) =>
        {
            var plan = plans[item / blocks];
            int k = (int)(item / blocks);
            int c0 = (int)(item % blocks) * ChannelBlock, c1 = Math.Min(channels, c0 + ChannelBlock);
            for (int c = c0; c < c1; c++)
            {
                float* src = input + ((long)plan.Batch * channels + c) * plane;
                float* dst = output + ((long)k * channels + c) * bins;
                ForwardPlane(src, dst, plan, pooledW, width);
            }
        };
        Run(items, body);
    }

    private static void ForwardPlane(float* src, float* dst, RoiAlignPlan plan, int pooledW, int width)
    {
        int[] rowStart = plan.RowStart, rows = plan.Rows, colStart = plan.ColStart, cols = plan.Cols;
        float[] rowW = plan.RowWeights, colW = plan.ColWeights;
        int pooledH = rowStart.Length - 1;
        for (int ph = 0; ph < pooledH; ph++)
        {
            for (int pw = 0; pw < pooledW; pw++)
            {
                float acc = 0f;
                for (int r = rowStart[ph]; r < rowStart[ph + 1]; r++)
                {
                    float* line = src + (long)rows[r] * width;
                    float s = 0f;
                    for (int t = colStart[pw]; t < colStart[pw + 1]; t++) s += colW[t] * line[cols[t]];
                    acc += rowW[r] * s;
                }
                dst[ph * pooledW + pw] = acc;
            }
        }
    }

    /// <summary>
    /// Accumulates d(output)/d(input) into <paramref name="gradInput"/> (zeroed, N x C x H x W); parallel over channel
    /// blocks so that no two threads ever write the same gradient element.
    /// </summary>
    public static void Backward(float* gradOutput, float* gradInput, RoiAlignPlan[] plans, int channels, in RoiAlignGeometry g)
    {
        int plane = g.Height * g.Width, bins = g.PooledHeight * g.PooledWidth, width = g.Width;
        int pooledW = g.PooledWidth;
        int blocks = (channels + ChannelBlock - 1) / ChannelBlock;
        var body = (long block) =>
        {
            int c0 = (int)block * ChannelBlock, c1 = Math.Min(channels, c0 + ChannelBlock);
            for (int k = 0; k < plans.Length; k++)
            {
                var plan = plans[k];
                for (int c = c0; c < c1; c++)
                {
                    float* dst = gradInput + ((long)plan.Batch * channels + c) * plane;
                    float* src = gradOutput + ((long)k * channels + c) * bins;
                    BackwardPlane(src, dst, plan, pooledW, width);
                }
            }
        };
        Run(blocks, body);
    }

    private static void BackwardPlane(float* gradOut, float* gradIn, RoiAlignPlan plan, int pooledW, int width)
    {
        int[] rowStart = plan.RowStart, rows = plan.Rows, colStart = plan.ColStart, cols = plan.Cols;
        float[] rowW = plan.RowWeights, colW = plan.ColWeights;
        int pooledH = rowStart.Length - 1;
        for (int ph = 0; ph < pooledH; ph++)
        {
            for (int pw = 0; pw < pooledW; pw++)
            {
                float g = gradOut[ph * pooledW + pw];
                if (g == 0f) continue;
                for (int r = rowStart[ph]; r < rowStart[ph + 1]; r++)
                {
                    float* line = gradIn + (long)rows[r] * width;
                    float a = rowW[r] * g;
                    for (int t = colStart[pw]; t < colStart[pw + 1]; t++) line[cols[t]] += a * colW[t];
                }
            }
        }
    }

    private static void Run(long items, Action<long> body)
    {
        if (items <= 1 || Environment.ProcessorCount == 1)
        {
            for (long i = 0; i < items; i++) body(i);
            return;
        }
        Parallel.For(0L, items, body);
    }
}
