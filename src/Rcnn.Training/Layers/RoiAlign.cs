using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>
/// torchvision.ops.roi_align on CPU float32, with autograd for the input. rois are (K, 5) = (batch_index, x0, y0, x1, y1)
/// in image coordinates; <c>aligned</c> = true is detectron2's ROIAlignV2 (half-pixel shift, no minimum ROI size),
/// false the legacy behaviour (ROI size clamped to at least 1). samplingRatio 0 samples ceil(roi_size / output_size)
/// points per bin and axis.
/// </summary>
public sealed class RoiAlign : nn.Module<Tensor, Tensor, Tensor>
{
    public RoiAlign((int Height, int Width) outputSize, double spatialScale, int samplingRatio, bool aligned = true)
        : base(nameof(RoiAlign))
    {
        if (outputSize.Height <= 0 || outputSize.Width <= 0)
            throw new ArgumentException($"outputSize must be positive, got {outputSize}.", nameof(outputSize));
        if (!(spatialScale > 0) || double.IsInfinity(spatialScale))
            throw new ArgumentException($"spatialScale must be positive and finite, got {spatialScale}.", nameof(spatialScale));
        if (samplingRatio < 0)
            throw new ArgumentException($"samplingRatio must be >= 0, got {samplingRatio}.", nameof(samplingRatio));
        OutputSize = outputSize;
        SpatialScale = spatialScale;
        SamplingRatio = samplingRatio;
        Aligned = aligned;
    }

    public RoiAlign(int outputSize, double spatialScale, int samplingRatio, bool aligned = true)
        : this((outputSize, outputSize), spatialScale, samplingRatio, aligned)
    {
    }

    public (int Height, int Width) OutputSize { get; }
    public double SpatialScale { get; }
    public int SamplingRatio { get; }
    public bool Aligned { get; }

    public override Tensor forward(Tensor input, Tensor rois) =>
        Apply(input, rois, OutputSize, SpatialScale, SamplingRatio, Aligned);

    /// <summary>(K, C, outH, outW) pooled features; differentiable with respect to <paramref name="input"/>.</summary>
    public static Tensor Apply(Tensor input, Tensor rois, (int Height, int Width) outputSize, double spatialScale, int samplingRatio, bool aligned)
    {
        RoiAlignOp.Validate(input, rois, outputSize.Height, outputSize.Width, spatialScale, samplingRatio);
        var geometry = new RoiAlignGeometry((int)input.shape[2], (int)input.shape[3], outputSize.Height, outputSize.Width,
            spatialScale, samplingRatio, aligned);
        return ApplyLevels(new[] { input }, new[] { geometry }, rois, null);
    }

    /// <summary>
    /// ROIs pooled from several levels into one (K, C, outH, outW) output: ROI k from <paramref name="inputs"/>[level[k]]
    /// (all from level 0 when <paramref name="level"/> is null). Differentiable with respect to every input.
    /// </summary>
    internal static Tensor ApplyLevels(Tensor[] inputs, RoiAlignGeometry[] geometries, Tensor rois, long[]? level)
    {
        var levels = new RoiAlignLevels(inputs.Select(x => x.shape).ToArray(), geometries, RoiAlignOp.ReadRois(rois), level);
        if (is_grad_enabled() && inputs.Any(x => x.requires_grad))
            return RoiAlignFunction.apply(inputs.Cast<object>().Append(levels).ToArray());
        return RoiAlignOp.ForwardLevels(levels, inputs);
    }
}
