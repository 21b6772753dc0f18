using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.ProposalGenerators;

/// <summary>
/// Turns backbone features into per-image proposals (detectron2's proposal-generator contract, e.g. the RPN).
/// Proposals carry <c>proposal_boxes</c> (in the padded-batch input's pixels, clipped to each image's unpadded size)
/// and <c>objectness_logits</c>, sorted by decreasing objectness. Training (<c>module.training</c>) also returns
/// the losses and needs <c>gtInstances</c> with <c>gt_boxes</c>.
/// </summary>
public abstract class ProposalGenerator : nn.Module
{
    /// <summary>Names the module (its TorchSharp module name).</summary>
    protected ProposalGenerator(string name) : base(name) { }

    /// <summary>Proposals for every image; in training also the losses, else an empty dictionary.</summary>
    /// <param name="images">The padded (N, C, H, W) batch and each image's unpadded size.</param>
    /// <param name="features">Backbone features by name, each (N, C, Hi, Wi).</param>
    /// <param name="gtInstances">Per image, ground truth with <c>gt_boxes</c>; required in training.</param>
    /// <returns>Per image, Instances with (Ri, 4) <c>proposal_boxes</c> and (Ri,) <c>objectness_logits</c>; and the
    /// scalar losses by name.</returns>
    public abstract (List<Instances> Proposals, Dictionary<string, Tensor> Losses) Forward(
        ImageList images, IReadOnlyDictionary<string, Tensor> features, IReadOnlyList<Instances>? gtInstances = null);
}
