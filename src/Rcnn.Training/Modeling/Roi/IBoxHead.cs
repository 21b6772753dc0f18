using Rcnn.Training.Layers;

namespace Rcnn.Training.Modeling.Roi;

/// <summary>A box head that states its output shape (detectron2's <c>box_head.output_shape</c>), which sizes the predictor.</summary>
public interface IBoxHead
{
    ShapeSpec OutputShape { get; }
}
