using Rcnn.Training.Layers;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Roi;

public sealed partial class FastRcnnOutputLayers
{
    /// <summary>Key of the classification loss: softmax cross-entropy over the K + 1 classes.</summary>
    public const string LossClsKey = "loss_cls";
    /// <summary>Key of the box-regression loss over the foreground ROIs.</summary>
    public const string LossBoxRegKey = "loss_box_reg";

    /// <summary>
    /// detectron2's <c>FastRCNNOutputLayers.losses</c> on the sampled proposals (fields <c>proposal_boxes</c>,
    /// <c>gt_classes</c> in [0, K] with K = background, and <c>gt_boxes</c>, which images without ground truth may
    /// lack). <c>loss_cls</c>: cross-entropy averaged over all R sampled ROIs (0 when R = 0). <c>loss_box_reg</c>:
    /// smooth-L1 on the deltas (or GIoU on the decoded boxes) of the foreground ROIs, using the gt class's deltas,
    /// summed and divided by max(R, 1) - the total ROI count, so images with few positives weigh less.
    /// </summary>
    public Dictionary<string, Tensor> Losses(Tensor scores, Tensor proposalDeltas, IReadOnlyList<Instances> proposals)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(proposalDeltas);
        ArgumentNullException.ThrowIfNull(proposals);
        long total = proposals.Sum(p => (long)p.Count);
        if (scores.dim() != 2 || scores.shape[0] != total || scores.shape[1] != NumClasses + 1)
            throw new ArgumentException(
                $"scores must be ({total}, {NumClasses + 1}) for {total} proposals, got [{string.Join(", ", scores.shape)}].", nameof(scores));
        long deltaCols = (ClsAgnosticBboxReg ? 1 : NumClasses) * 4;
        if (proposalDeltas.dim() != 2 || proposalDeltas.shape[0] != total || proposalDeltas.shape[1] != deltaCols)
            throw new ArgumentException(
                $"proposalDeltas must be ({total}, {deltaCols}), got [{string.Join(", ", proposalDeltas.shape)}].", nameof(proposalDeltas));

        Tensor gtClasses, proposalBoxes, gtBoxes;
        if (proposals.Count > 0)
        {
            gtClasses = cat(proposals.Select(p => p.GtClasses.to_type(ScalarType.Int64)).ToArray(), 0);
            proposalBoxes = cat(proposals.Select(p => p.ProposalBoxes.Tensor).ToArray(), 0);
            // An image without ground truth has only background ROIs, whose boxes never enter the loss.
            gtBoxes = cat(proposals.Select(p => (p.Has(Instances.GtBoxesField) ? p.GtBoxes : p.ProposalBoxes).Tensor).ToArray(), 0);
        }
        else
        {
            gtClasses = zeros(0, ScalarType.Int64, scores.device);
            proposalBoxes = gtBoxes = zeros(new long[] { 0, 4 }, device: scores.device);
        }
        if (proposalBoxes.requires_grad)
            throw new ArgumentException("proposal_boxes must not require gradients; detach the proposals first.", nameof(proposals));

        var lossCls = total == 0
            ? scores.sum().mul(Scalars.Zero)
            : nn.functional.cross_entropy(scores, gtClasses, reduction: nn.Reduction.Mean);
        var lossBoxReg = BoxRegLoss(proposalBoxes, gtBoxes, proposalDeltas, gtClasses);
        return new Dictionary<string, Tensor>
        {
            [LossClsKey] = lossCls.Times(LossClsWeight),
            [LossBoxRegKey] = lossBoxReg.Times(LossBoxRegWeight),
        };
    }

    private Tensor BoxRegLoss(Tensor proposalBoxes, Tensor gtBoxes, Tensor predDeltas, Tensor gtClasses)
    {
        var fg = gtClasses.ge(Scalars.Zero).logical_and(gtClasses.Lt(NumClasses)).nonzero().view(-1);
        Tensor fgDeltas;
        if (predDeltas.shape[1] == 4)
            fgDeltas = predDeltas.index_select(0, fg);
        else
        {
            // Row r's deltas for class c sit at row r * K + c of the (R * K, 4) view.
            var rows = fg.Times((long)NumClasses).Plus(gtClasses.index_select(0, fg));
            fgDeltas = predDeltas.reshape(-1, 4).index_select(0, rows);
        }
        var fgProposals = proposalBoxes.index_select(0, fg);
        var fgGt = gtBoxes.index_select(0, fg);

        Tensor loss = BoxRegLossType == GiouLossType
            ? Layers.Losses.Giou(Box2BoxTransform.ApplyDeltas(fgDeltas, fgProposals), fgGt, nn.Reduction.Sum)
            : Layers.Losses.SmoothL1(fgDeltas, Box2BoxTransform.GetDeltas(fgProposals, fgGt), SmoothL1Beta, nn.Reduction.Sum);
        return loss.Over(Math.Max(gtClasses.numel(), 1L));
    }
}
