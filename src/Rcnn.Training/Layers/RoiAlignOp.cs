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
        long n = input.shape[0], channels = input.shape[1];
        int k = (int)rois.shape[0];
        var plans = MakePlans(rois, n, g);
        var output = zeros(new long[] { k, channels, g.PooledHeight, g.PooledWidth }, ScalarType.Float32);
        if (k == 0 || channels == 0 || input.numel() == 0) return (output, plans);
        using var x = input.contiguous();
        RoiAlignKernel.Forward(CpuTensorData.Pointer<float>(x), CpuTensorData.Pointer<float>(output), plans, (int)channels, g);
        return (output, plans);
    }

    public static Tensor Backward(Tensor gradOutput, RoiAlignPlan[] plans, long[] inputShape, RoiAlignGeometry g)
    {
        var gradInput = zeros(inputShape, ScalarType.Float32);
        if (plans.Length == 0 || gradInput.numel() == 0) return gradInput;
        using var go = gradOutput.to(ScalarType.Float32, CPU).contiguous();
        RoiAlignKernel.Backward(CpuTensorData.Pointer<float>(go), CpuTensorData.Pointer<float>(gradInput), plans, (int)inputShape[1], g);
        return gradInput;
    }

    private static RoiAlignPlan[] MakePlans(Tensor rois, long batch, RoiAlignGeometry g)
    {
        int k = (int)rois.shape[0];
        var plans = new RoiAlignPlan[k];
        if (k == 0) return plans;
        using var r = CpuTensorData.Float32(rois);
        float[] data = r.data<float>().ToArray();
        for (int i = 0; i < k; i++)
        {
            float b = data[i * 5];
            if (!(b >= 0) || (long)b >= batch)
                throw new ArgumentException($"rois[{i}] has batch index {b}, outside [0, {batch}).", nameof(rois));
        }
        if (k >= 64)
            Parallel.For(0, k, i => plans[i] = RoiAlignPlan.Create(data.AsSpan(i * 5, 5), g));
        else
            for (int i = 0; i < k; i++) plans[i] = RoiAlignPlan.Create(data.AsSpan(i * 5, 5), g);
        return plans;
    }
}
