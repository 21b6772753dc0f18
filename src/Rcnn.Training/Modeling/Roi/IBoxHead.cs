using Rcnn.Training.Layers;

namespace Rcnn.Training.Modeling.Roi;

/// <summary>A box head that states its output shape (detectron2's <c>box_head.output_shape</c>), which sizes the predictor.</summary>
public interface IBoxHead
{
    /// <summary>Per-ROI output shape: channels D of an (R, D) output, or C, H and W of an (R, C, H, W) one.</summary>
    ShapeSpec OutputShape { get; }
}
