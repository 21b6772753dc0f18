namespace Rcnn.Training.Layers;

/// <summary>The shape of a feature map as a module sees it (detectron2's <c>ShapeSpec</c>): channels, and the
/// stride relative to the input image. Height and width are unknown until run time.</summary>
public readonly record struct ShapeSpec(int Channels, int Stride = 0, int? Height = null, int? Width = null);
