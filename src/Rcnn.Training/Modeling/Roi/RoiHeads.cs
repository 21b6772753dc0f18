using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Roi;

/// <summary>
/// The second stage (detectron2's <c>ROIHeads</c> contract): from features and proposals, per-image detections
/// (<c>pred_boxes</c>, <c>scores</c>, <c>pred_classes</c>, in the resized input's pixels) in inference, or the losses
/// (<c>loss_cls</c>, <c>loss_box_reg</c>) in training, which needs <c>targets</c> with <c>gt_boxes</c>
/// and <c>gt_classes</c>.
/// </summary>
public abstract class RoiHeads : nn.Module
{
    protected RoiHeads(string name) : base(name) { }

    public abstract (List<Instances> Results, Dictionary<string, Tensor> Losses) Forward(
        ImageList images, IReadOnlyDictionary<string, Tensor> features, IReadOnlyList<Instances> proposals,
        IReadOnlyList<Instances>? targets = null);
}
