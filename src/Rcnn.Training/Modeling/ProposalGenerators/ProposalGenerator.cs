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
    protected ProposalGenerator(string name) : base(name) { }

    public abstract (List<Instances> Proposals, Dictionary<string, Tensor> Losses) Forward(
        ImageList images, IReadOnlyDictionary<string, Tensor> features, IReadOnlyList<Instances>? gtInstances = null);
}
