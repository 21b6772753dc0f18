using Rcnn.Training.Structures;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.MetaArch;

/// <summary>
/// One image as the meta-architectures take it (detectron2's per-image input dict): the (C, H, W) float image with
/// 0-255 values in INPUT.FORMAT, already resized; ground truth for training; precomputed proposals when the model has
/// no proposal generator; and the size the outputs should be rescaled to (the original image's), when it differs.
/// </summary>
public sealed record DetectionInput(Tensor Image, Instances? Instances = null, Instances? Proposals = null,
    int? Height = null, int? Width = null);
