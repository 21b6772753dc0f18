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
    /// <summary>Names the module (its TorchSharp module name).</summary>
    protected RoiHeads(string name) : base(name) { }

    /// <summary>Runs the second stage on the proposals of every image of the batch.</summary>
    /// <param name="images">The padded (N, C, H, W) batch; the box branches here do not read it.</param>
    /// <param name="features">Backbone features by name, each (N, C, Hi, Wi).</param>
    /// <param name="proposals">Per image, (Ri, 4) <c>proposal_boxes</c> in the padded batch's pixels.</param>
    /// <param name="targets">Per image, ground truth with <c>gt_boxes</c> and <c>gt_classes</c>; required in
    /// training.</param>
    /// <returns>In inference, per image the detections and no losses; in training, the implementation's instances
    /// (the sampled proposals, or none) and the scalar losses by name.</returns>
    public abstract (List<Instances> Results, Dictionary<string, Tensor> Losses) Forward(
        ImageList images, IReadOnlyDictionary<string, Tensor> features, IReadOnlyList<Instances> proposals,
        IReadOnlyList<Instances>? targets = null);
}
