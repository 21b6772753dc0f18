using Rcnn.Training.Layers;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;
using LossFunctions = Rcnn.Training.Layers.Losses;

namespace Rcnn.Training.Modeling.ProposalGenerators;

public sealed partial class Rpn
{
    /// <summary>
    /// detectron2's <c>label_and_sample_anchors</c>. Per image: matches all levels' anchors against the ground truth,
    /// ignores anchors beyond the boundary threshold (when it is &gt;= 0), and samples at most BatchSizePerImage anchors.
    /// An image without ground truth has every anchor negative before sampling.
    /// </summary>
    /// <returns>Per image, (R,) int8 labels (1 sampled positive, 0 sampled negative, -1 ignored) and the (R, 4)
    /// matched ground-truth box of every anchor (zeros when the image has none).</returns>
    public (List<Tensor> GtLabels, List<Tensor> MatchedGtBoxes) LabelAndSampleAnchors(
        IReadOnlyList<Boxes> anchors, IReadOnlyList<Instances> gtInstances)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        ArgumentNullException.ThrowIfNull(gtInstances);
        using var outer = NewDisposeScope();
        var all = Boxes.Cat(anchors);
        var labels = new List<Tensor>(gtInstances.Count);
        var matched = new List<Tensor>(gtInstances.Count);
        foreach (var gt in gtInstances)
        {
            var (l, m) = LabelImage(all, gt);
            labels.Add(l);
            matched.Add(m);
        }
        foreach (var t in labels.Concat(matched)) t.MoveToOuterDisposeScope();
        return (labels, matched);
    }

    private (Tensor Labels, Tensor Matched) LabelImage(Boxes anchors, Instances gt)
    {
        using var scope = NewDisposeScope();
        var gtBoxes = gt.GtBoxes;
        var (matchedIdx, labels) = AnchorMatcher.Match(Boxes.PairwiseIou(gtBoxes, anchors));
        labels = labels.to(anchors.Device);
        if (AnchorBoundaryThresh >= 0)
        {
            var inside = anchors.InsideBox(gt.ImageSize.Height, gt.ImageSize.Width, AnchorBoundaryThresh);
            labels.masked_fill_(inside.logical_not(), Scalars.MinusOne);
        }

        var (pos, neg) = Sampling.SubsampleLabels(labels, BatchSizePerImage, PositiveFraction, bgLabel: 0);
        labels.fill_(Scalars.MinusOne);
        labels.index_fill_(0, pos, Scalars.One);
        labels.index_fill_(0, neg, Scalars.Zero);

        // Without ground truth these boxes are never read (no anchor is positive).
        var matched = gtBoxes.Count == 0 ? zeros_like(anchors.Tensor) : gtBoxes.Tensor.index_select(0, matchedIdx);
        return (labels.MoveToOuterDisposeScope(), matched.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// detectron2's RPN losses: loss_rpn_cls, binary cross-entropy with logits summed over the sampled anchors, and
    /// loss_rpn_loc, smooth-L1 on deltas (or GIoU on decoded boxes) summed over the positive anchors; both divided by
    /// BatchSizePerImage x number of images, then multiplied by their loss weight.
    /// </summary>
    /// <param name="predObjectnessLogits">Per level, (N, Hi*Wi*A).</param>
    /// <param name="gtLabels">Per image, (R,) labels from <see cref="LabelAndSampleAnchors"/>.</param>
    /// <param name="predAnchorDeltas">Per level, (N, Hi*Wi*A, 4).</param>
    /// <param name="gtBoxes">Per image, (R, 4) matched ground-truth boxes.</param>
    public Dictionary<string, Tensor> ComputeLosses(IReadOnlyList<Boxes> anchors, IReadOnlyList<Tensor> predObjectnessLogits,
        IReadOnlyList<Tensor> gtLabels, IReadOnlyList<Tensor> predAnchorDeltas, IReadOnlyList<Tensor> gtBoxes)
    {
        ArgumentNullException.ThrowIfNull(gtLabels);
        ArgumentNullException.ThrowIfNull(gtBoxes);
        int numImages = gtLabels.Count;
        if (numImages == 0 || gtBoxes.Count != numImages)
            throw new ArgumentException($"Need labels and matched boxes for the same images, got {gtLabels.Count} and {gtBoxes.Count}.", nameof(gtBoxes));

        using var scope = NewDisposeScope();
        var labels = stack(gtLabels);
        var allAnchors = Boxes.Cat(anchors).Tensor;
        var deltas = cat(predAnchorDeltas.ToArray(), 1);
        var logits = cat(predObjectnessLogits.ToArray(), 1);
        if (!labels.shape.SequenceEqual(logits.shape) || deltas.shape[1] != allAnchors.shape[0])
            throw new ArgumentException(
                $"Labels [{string.Join(", ", labels.shape)}], logits [{string.Join(", ", logits.shape)}] and deltas " +
                $"[{string.Join(", ", deltas.shape)}] disagree with {allAnchors.shape[0]} anchors.", nameof(gtLabels));

        var posMask = labels.eq(Scalars.One);
        Tensor locLoss;
        if (BoxRegLossType == "smooth_l1")
        {
            var gtDeltas = stack(gtBoxes.Select(g => Box2BoxTransform.GetDeltas(allAnchors, g)).ToArray());
            locLoss = LossFunctions.SmoothL1(deltas[posMask], gtDeltas[posMask], SmoothL1Beta, nn.Reduction.Sum);
        }
        else
        {
            var predBoxes = stack(Enumerable.Range(0, numImages).Select(i => Box2BoxTransform.ApplyDeltas(deltas[i], allAnchors)).ToArray());
            locLoss = LossFunctions.Giou(predBoxes[posMask], stack(gtBoxes)[posMask], nn.Reduction.Sum);
        }

        var valid = labels.ge(Scalars.Zero);
        var clsLoss = nn.functional.binary_cross_entropy_with_logits(
            logits[valid], labels[valid].to(ScalarType.Float32), reduction: nn.Reduction.Sum);

        double normalizer = (double)BatchSizePerImage * numImages;
        return new Dictionary<string, Tensor>
        {
            [LossClsKey] = clsLoss.Over(normalizer).Times(LossWeight.Cls).MoveToOuterDisposeScope(),
            [LossLocKey] = locLoss.Over(normalizer).Times(LossWeight.Loc).MoveToOuterDisposeScope(),
        };
    }
}
