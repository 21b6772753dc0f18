using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>Argument checks and tensor plumbing around <see cref="RoiAlignKernel"/>.</summary>
internal static unsafe class RoiAlignOp
{
    public static void Validate(Tensor input, Tensor rois, int pooledHeight, int pooledWidth, double spatialScale, int samplingRatio)
    {
        if (input.dim() != 4)
            throw new ArgumentException($"input must be (N, C, H, W), got shape {CpuTensorData.Shape(input)}.", nameof(input));
        if (input.dtype != ScalarType.Float32)
            throw new ArgumentException($"input must be float32, got {input.dtype}.", nameof(input));
        if (input.device_type != DeviceType.CPU)
            throw new ArgumentException($"input must be on the CPU, got {input.device}.", nameof(input));
        if (rois.dim() != 2 || rois.shape[1] != 5)
            throw new ArgumentException($"rois must be (K, 5) = (batch_index, x0, y0, x1, y1), got shape {CpuTensorData.Shape(rois)}.", nameof(rois));
        if (pooledHeight <= 0 || pooledWidth <= 0)
            throw new ArgumentException($"outputSize must be positive, got ({pooledHeight}, {pooledWidth}).", "outputSize");
        if (samplingRatio < 0)
            throw new ArgumentException($"samplingRatio must be >= 0, got {samplingRatio}.", nameof(samplingRatio));
        if (!(spatialScale > 0) || double.IsInfinity(spatialScale))
            throw new ArgumentException($"spatialScale must be positive and finite, got {spatialScale}.", nameof(spatialScale));
        if (input.numel() > int.MaxValue)
            throw new ArgumentException($"input is too large for this kernel: shape {CpuTensorData.Shape(input)}.", nameof(input));
    }

    public static (Tensor Output, RoiAlignPlan[] Plans) Forward(Tensor input, Tensor rois, RoiAlignGeometry g)
    {
        var levels = new Levels(new[] { input.shape }, new[] { g }, ReadRois(rois), null);
        var output = ForwardLevels(levels, new[] { input });
        return (output, levels.Plans[0]);
    }

    public static Tensor Backward(Tensor gradOutput, RoiAlignPlan[] plans, long[] inputShape, RoiAlignGeometry g) =>
        BackwardLevel(gradOutput, plans, null, inputShape, g);

    /// <summary>
    /// ROIs split over feature levels (one geometry per level), all pooled into one (K, C, ph, pw) output in ROI order.
    /// <paramref name="level"/>[k] names ROI k's level (null: all on level 0).
    /// </summary>
    internal sealed class Levels
    {
        public Levels(long[][] inputShapes, RoiAlignGeometry[] geometries, float[] rois, long[]? level)
        {
            InputShapes = inputShapes;
            Geometries = geometries;
            RoiCount = rois.Length / 5;
            for (int l = 1; l < inputShapes.Length; l++)
                if (inputShapes[l][0] != inputShapes[0][0] || inputShapes[l][1] != inputShapes[0][1])
                    throw new ArgumentException($"All levels need the same batch size and channels: level {l} is " +
                        $"[{string.Join(", ", inputShapes[l])}], level 0 [{string.Join(", ", inputShapes[0])}].", "inputs");
            if (level != null)
                for (int k = 0; k < RoiCount; k++)
                    if (level[k] < 0 || level[k] >= inputShapes.Length)
                        throw new ArgumentException($"ROI {k} is assigned to level {level[k]}, outside [0, {inputShapes.Length}).", nameof(level));
            Plans = new RoiAlignPlan[inputShapes.Length][];
            Rows = new int[inputShapes.Length][];
            for (int l = 0; l < inputShapes.Length; l++)
            {
                var rows = Enumerable.Range(0, RoiCount).Where(k => (level?[k] ?? 0) == l).ToArray();
                Rows[l] = rows;
                Plans[l] = MakePlans(rois, rows, inputShapes[l][0], geometries[l]);
            }
        }

        /// <summary>(N, C, H_l, W_l) per level; shapes only, so nothing here keeps the inputs alive for backward.</summary>
        public long[][] InputShapes { get; }
        public RoiAlignGeometry[] Geometries { get; }
        public int RoiCount { get; }
        public RoiAlignPlan[][] Plans { get; }
        /// <summary>Per level, the output rows (ROI indices) its plans write.</summary>
        public int[][] Rows { get; }
    }

    public static Tensor ForwardLevels(Levels levels, IReadOnlyList<Tensor> inputs)
    {
        long channels = levels.InputShapes[0][1];
        var g0 = levels.Geometries[0];
        // Every element is written below (each ROI belongs to exactly one level), so no zero fill is needed.
        var shape = new long[] { levels.RoiCount, channels, g0.PooledHeight, g0.PooledWidth };
        var output = levels.RoiCount == 0 || channels == 0 ? zeros(shape, ScalarType.Float32) : empty(shape, ScalarType.Float32);
        for (int l = 0; l < inputs.Count; l++)
        {
            if (levels.Plans[l].Length == 0) continue;
            using var x = inputs[l].contiguous();
            if (x.numel() == 0)
            {
                // An empty map (H or W = 0): nothing to sample, these rows stay zero.
                foreach (int row in levels.Rows[l]) output[row].zero_();
                continue;
            }
            RoiAlignKernel.Forward(CpuTensorData.Pointer<float>(x), CpuTensorData.Pointer<float>(output), levels.Plans[l],
                inputs.Count == 1 ? null : levels.Rows[l], (int)channels, levels.Geometries[l]);
        }
        return output;
    }

    public static Tensor BackwardLevel(Tensor gradOutput, RoiAlignPlan[] plans, int[]? rows, long[] inputShape, RoiAlignGeometry g)
    {
        var gradInput = zeros(inputShape, ScalarType.Float32);
        if (plans.Length == 0 || gradInput.numel() == 0) return gradInput;
        using var go = gradOutput.to(ScalarType.Float32, CPU).contiguous();
        RoiAlignKernel.Backward(CpuTensorData.Pointer<float>(go), CpuTensorData.Pointer<float>(gradInput), plans, rows, (int)inputShape[1], g);
        return gradInput;
    }

    public static float[] ReadRois(Tensor rois)
    {
        if (rois.shape[0] == 0) return Array.Empty<float>();
        using var r = CpuTensorData.Float32(rois);
        return r.data<float>().ToArray();
    }

    private static RoiAlignPlan[] MakePlans(float[] rois, int[] rows, long batch, RoiAlignGeometry g)
    {
        var plans = new RoiAlignPlan[rows.Length];
        foreach (int k in rows)
        {
            float b = rois[k * 5];
            if (!(b >= 0) || (long)b >= batch)
                throw new ArgumentException($"rois[{k}] has batch index {b}, outside [0, {batch}).", nameof(rois));
        }
        if (rows.Length >= 64)
            Parallel.For(0, rows.Length, i => plans[i] = RoiAlignPlan.Create(rois.AsSpan(rows[i] * 5, 5), g));
        else
            for (int i = 0; i < rows.Length; i++) plans[i] = RoiAlignPlan.Create(rois.AsSpan(rows[i] * 5, 5), g);
        return plans;
    }
}
