using Rcnn.Training.Layers;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Roi;

/// <summary>detectron2's <c>add_ground_truth_to_proposals</c>: the ground-truth boxes join each image's proposals, so
/// the second stage sees positives even while the RPN's proposals are still poor.</summary>
public static class GroundTruthProposals
{
    /// <summary>sigmoid of this is 1 - 1e-10: an appended gt box counts as a certain object (about 23.03).</summary>
    public static readonly double GtObjectnessLogit = Math.Log((1.0 - 1e-10) / (1 - (1.0 - 1e-10)));

    /// <summary>Per image, the proposals followed by that image's gt boxes as proposal boxes. The result keeps the
    /// proposals' fields: <c>objectness_logits</c> is <see cref="GtObjectnessLogit"/> for the appended rows, and any
    /// other field must also be present in the targets, whose values are appended.</summary>
    public static List<Instances> Add(IReadOnlyList<Instances> targets, IReadOnlyList<Instances> proposals)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(proposals);
        if (targets.Count != proposals.Count)
            throw new ArgumentException(
                $"Got {proposals.Count} proposal lists but {targets.Count} targets; both need one entry per image.", nameof(targets));
        return proposals.Select((p, i) => AddToImage(targets[i], p, i)).ToList();
    }

    /// <summary>The target's <c>gt_boxes</c>; a target with no fields at all (an image without annotations) has none.</summary>
    internal static Boxes GtBoxesOf(Instances target, Device device) =>
        target.FieldNames.Count == 0 ? Boxes.Empty(device) : target.GtBoxes;

    private static Instances AddToImage(Instances gt, Instances proposals, int image)
    {
        var device = proposals.ProposalBoxes.Device;
        var gtBoxes = GtBoxesOf(gt, device);
        var gtProposal = new Instances(proposals.ImageSize);
        foreach (var name in proposals.FieldNames)
        {
            if (name == Instances.ProposalBoxesField)
                gtProposal.ProposalBoxes = new Boxes(gtBoxes.Tensor.to(proposals.ProposalBoxes.Tensor.dtype).to(device));
            else if (name == Instances.ObjectnessLogitsField)
                gtProposal.ObjectnessLogits = Scalars.Full([gtBoxes.Count], GtObjectnessLogit, proposals.ObjectnessLogits.dtype, device);
            else if (gt.Has(name))
            {
                var value = gt.Get(name);
                if (value is Boxes b) gtProposal.Set(name, b); else gtProposal.Set(name, (Tensor)value);
            }
            else
                throw new ArgumentException(
                    $"proposals[{image}] has field '{name}' that targets[{image}] lacks, so the gt rows cannot be appended.", nameof(proposals));
        }
        return Instances.Cat([proposals, gtProposal]);
    }
}
