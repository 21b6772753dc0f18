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
    /// <summary>An ROIAlign that pools each ROI to <paramref name="outputSize"/> bins.</summary>
    /// <param name="outputSize">(height, width) of each pooled ROI, in bins.</param>
    /// <param name="spatialScale">Feature-map scale relative to the image (1 / stride); ROI coordinates are multiplied
    /// by it.</param>
    /// <param name="samplingRatio">Sample points per bin and axis; 0 for ceil(roi_size / output_size).</param>
    /// <param name="aligned">true for ROIAlignV2 (half-pixel shift), false for the legacy ROIAlign.</param>
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

    /// <summary>An ROIAlign with a square output, <paramref name="outputSize"/> bins a side.</summary>
    public RoiAlign(int outputSize, double spatialScale, int samplingRatio, bool aligned = true)
        : this((outputSize, outputSize), spatialScale, samplingRatio, aligned)
    {
    }

    /// <summary>(height, width) of each pooled ROI, in bins.</summary>
    public (int Height, int Width) OutputSize { get; }
    /// <summary>Factor from image to feature-map coordinates (1 / stride).</summary>
    public double SpatialScale { get; }
    /// <summary>Sample points per bin and axis; 0 for adaptive, ceil(roi_size / output_size).</summary>
    public int SamplingRatio { get; }
    /// <summary>Whether this is ROIAlignV2 (half-pixel shift, no minimum ROI size) rather than legacy.</summary>
    public bool Aligned { get; }

    /// <summary>
    /// Pools <paramref name="input"/>, (N, C, H, W) float32 on the CPU, over <paramref name="rois"/>, (K, 5) rows of
    /// (batch_index, x0, y0, x1, y1) in image coordinates. Returns (K, C, outH, outW), as <see cref="Apply"/>.
    /// </summary>
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
