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

    public static Tensor ForwardLevels(RoiAlignLevels levels, IReadOnlyList<Tensor> inputs)
    {
        long channels = levels.InputShapes[0][1];
        var g0 = levels.Geometries[0];
        // When every ROI belongs to a level, every element is written below, so no zero fill is needed.
        var shape = new long[] { levels.RoiCount, channels, g0.PooledHeight, g0.PooledWidth };
        var output = levels.RoiCount == 0 || channels == 0 || levels.HasUnassigned ? zeros(shape, ScalarType.Float32) : empty(shape, ScalarType.Float32);
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
        if (plans.Length == 0 || inputShape.Aggregate(1L, (a, b) => a * b) == 0) return zeros(inputShape, ScalarType.Float32);
        var gradInput = empty(inputShape, ScalarType.Float32); // zeroed plane by plane inside the kernel
        using var go = gradOutput.to(ScalarType.Float32, CPU).contiguous();
        RoiAlignKernel.Backward(CpuTensorData.Pointer<float>(go), CpuTensorData.Pointer<float>(gradInput), plans, rows,
            (int)inputShape[0], (int)inputShape[1], g);
        return gradInput;
    }

    public static float[] ReadRois(Tensor rois)
    {
        if (rois.shape[0] == 0) return Array.Empty<float>();
        using var r = CpuTensorData.Float32(rois);
        return r.data<float>().ToArray();
    }
}
