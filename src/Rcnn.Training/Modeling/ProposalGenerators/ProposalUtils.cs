using Rcnn.Training.Layers;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.ProposalGenerators;

/// <summary>detectron2's proposal_utils: turning dense RPN predictions into per-image proposals.</summary>
public static class ProposalUtils
{
    /// <summary>detectron2's message when training produced non-finite proposals.</summary>
    public const string DivergedMessage = "Predicted boxes or scores contain Inf/NaN. Training has diverged.";

    /// <summary>
    /// detectron2's <c>find_top_rpn_proposals</c>. Per level, keeps each image's top min(<paramref name="preNmsTopk"/>,
    /// Hi*Wi*A) logits; then per image: drops non-finite boxes or scores (in training they throw
    /// <see cref="NotFiniteNumberException"/>), clips to the unpadded image size, drops boxes with a side &lt;=
    /// <paramref name="minBoxSize"/>, runs NMS separately per level and keeps the best <paramref name="postNmsTopk"/>.
    /// </summary>
    /// <param name="proposals">Per level, (N, Hi*Wi*A, 4) decoded boxes.</param>
    /// <param name="predObjectnessLogits">Per level, (N, Hi*Wi*A) logits.</param>
    /// <param name="imageSizes">N unpadded (height, width).</param>
    /// <returns>Per image, Instances with <c>proposal_boxes</c> and <c>objectness_logits</c>, by decreasing logit.</returns>
    public static List<Instances> FindTopRpnProposals(
        IReadOnlyList<Tensor> proposals,
        IReadOnlyList<Tensor> predObjectnessLogits,
        IReadOnlyList<(int Height, int Width)> imageSizes,
        double nmsThresh,
        int preNmsTopk,
        int postNmsTopk,
        double minBoxSize,
        bool training)
    {
        Validate(proposals, predObjectnessLogits, imageSizes, preNmsTopk, postNmsTopk);
        int numImages = imageSizes.Count;
        var device = proposals[0].device;

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var scores = new List<Tensor>(proposals.Count);
        var boxes = new List<Tensor>(proposals.Count);
        var levels = new List<Tensor>(proposals.Count);
        for (int level = 0; level < proposals.Count; level++)
        {
            var logits = predObjectnessLogits[level];
            long k = Math.Min(logits.shape[1], preNmsTopk);
            var (topScores, topIdx) = logits.topk((int)k, dim: 1);
            scores.Add(topScores);
            boxes.Add(proposals[level].gather(1, topIdx.unsqueeze(-1).expand(-1, -1, 4)));
            levels.Add(Scalars.Full([k], level, ScalarType.Int64, device));
        }
        var allScores = cat(scores, 1);
        var allBoxes = cat(boxes, 1);
        var allLevels = cat(levels, 0);

        var results = new List<Instances>(numImages);
        for (int n = 0; n < numImages; n++)
        {
            var (boxesN, scoresN) = TopForImage(allBoxes[n], allScores[n], allLevels, imageSizes[n],
                nmsThresh, postNmsTopk, minBoxSize, training);
            results.Add(new Instances(imageSizes[n]) { ProposalBoxes = new Boxes(boxesN), ObjectnessLogits = scoresN });
        }
        // The per-image results sit in this method's scope now; hand them to the caller's.
        foreach (var r in results)
        {
            r.ProposalBoxes.Tensor.MoveToOuterDisposeScope();
            r.ObjectnessLogits.MoveToOuterDisposeScope();
        }
        return results;
    }

    private static (Tensor Boxes, Tensor Scores) TopForImage(Tensor boxTensor, Tensor scores, Tensor levels,
        (int Height, int Width) imageSize, double nmsThresh, int postNmsTopk, double minBoxSize, bool training)
    {
        using var scope = NewDisposeScope();
        var valid = isfinite(boxTensor).all(1).logical_and(isfinite(scores));
        if (!valid.all().item<bool>())
        {
            if (training) throw new NotFiniteNumberException(DivergedMessage);
            boxTensor = boxTensor[valid];
            scores = scores[valid];
            levels = levels[valid];
        }
        // Clip works in place: on a copy, so the caller's concatenated tensor is left as it was.
        var boxes = new Boxes(boxTensor.clone()).Clip(imageSize.Height, imageSize.Width);

        var keep = boxes.NonEmpty(minBoxSize);
        if (!keep.all().item<bool>())
        {
            boxes = boxes[keep];
            scores = scores[keep];
            levels = levels[keep];
        }

        // The level id as the NMS category: boxes of different levels never suppress each other.
        var kept = Nms.Batched(boxes.Tensor, scores, levels, nmsThresh);
        kept = kept[TensorIndex.Slice(0, postNmsTopk)].to(boxes.Device);
        return (boxes.Tensor.index_select(0, kept).MoveToOuterDisposeScope(), scores.index_select(0, kept).MoveToOuterDisposeScope());
    }

    private static void Validate(IReadOnlyList<Tensor> proposals, IReadOnlyList<Tensor> logits,
        IReadOnlyList<(int Height, int Width)> imageSizes, int preNmsTopk, int postNmsTopk)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(imageSizes);
        if (proposals.Count == 0)
            throw new ArgumentException("Need at least one feature level of proposals.", nameof(proposals));
        if (logits.Count != proposals.Count)
            throw new ArgumentException(
                $"Got {logits.Count} levels of logits for {proposals.Count} levels of proposals.", PredLogitsName);
        if (preNmsTopk <= 0) throw new ArgumentOutOfRangeException(nameof(preNmsTopk), preNmsTopk, "preNmsTopk must be positive.");
        if (postNmsTopk <= 0) throw new ArgumentOutOfRangeException(nameof(postNmsTopk), postNmsTopk, "postNmsTopk must be positive.");
        for (int level = 0; level < proposals.Count; level++)
        {
            var p = proposals[level];
            var l = logits[level];
            if (p.dim() != 3 || p.shape[0] != imageSizes.Count || p.shape[2] != 4)
                throw new ArgumentException(
                    $"proposals[{level}] must be ({imageSizes.Count}, R, 4) for {imageSizes.Count} images, got shape [{string.Join(", ", p.shape)}].",
                    nameof(proposals));
            if (l.dim() != 2 || l.shape[0] != p.shape[0] || l.shape[1] != p.shape[1])
                throw new ArgumentException(
                    $"predObjectnessLogits[{level}] must be ({p.shape[0]}, {p.shape[1]}) to match its proposals, got shape [{string.Join(", ", l.shape)}].",
                    PredLogitsName);
        }
    }

    private const string PredLogitsName = "predObjectnessLogits";
}
