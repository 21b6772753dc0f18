using Rcnn.Training.Layers;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Roi;

/// <summary>detectron2's <c>fast_rcnn_inference_single_image</c>: turns one image's decoded boxes and class
/// probabilities into detections.</summary>
public static class FastRcnnInference
{
    /// <summary>
    /// <paramref name="boxes"/> (R, 4K) per-class or (R, 4) class-agnostic, <paramref name="scores"/> (R, K+1)
    /// probabilities with background last. Rows with a non-finite box or score are dropped; boxes are clipped to
    /// <paramref name="imageSize"/>; each (roi, class) pair with probability strictly above
    /// <paramref name="scoreThresh"/> is a candidate; NMS runs per class; the best <paramref name="topkPerImage"/>
    /// (all when negative) are kept by decreasing score. Returns the detections (pred_boxes, scores, pred_classes)
    /// and, per detection, the index of the ROI it came from (among the rows of the input).
    /// </summary>
    public static (Instances Result, Tensor RoiIndices) SingleImage(Tensor boxes, Tensor scores, (int Height, int Width) imageSize,
        double scoreThresh, double nmsThresh, int topkPerImage)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.dim() != 2 || scores.shape[1] < 2)
            throw new ArgumentException($"scores must be (R, K+1) with K >= 1, got [{string.Join(", ", scores.shape)}].", nameof(scores));
        long numClasses = scores.shape[1] - 1;
        if (boxes.dim() != 2 || boxes.shape[0] != scores.shape[0] || (boxes.shape[1] != 4 && boxes.shape[1] != 4 * numClasses))
            throw new ArgumentException(
                $"boxes must be ({scores.shape[0]}, 4) or ({scores.shape[0]}, {4 * numClasses}) to match scores, got [{string.Join(", ", boxes.shape)}].",
                nameof(boxes));

        var (predBoxes, predScores, predClasses, roiIndices) =
            Select(boxes, scores, numClasses, imageSize, scoreThresh, nmsThresh, topkPerImage);
        // Built outside the dispose scope: Boxes may reshape an empty tensor, and that copy must outlive it.
        var result = new Instances(imageSize) { PredBoxes = new Boxes(predBoxes), Scores = predScores, PredClasses = predClasses };
        return (result, roiIndices);
    }

    private static (Tensor Boxes, Tensor Scores, Tensor Classes, Tensor RoiIndices) Select(Tensor boxes, Tensor scores,
        long numClasses, (int Height, int Width) imageSize, double scoreThresh, double nmsThresh, int topkPerImage)
    {
        using var scope = NewDisposeScope();
        var rowIndex = Scalars.Arange(boxes.shape[0], ScalarType.Int64, boxes.device);
        var valid = isfinite(boxes).all(1).logical_and(isfinite(scores).all(1));
        if (!valid.all().item<bool>())
        {
            boxes = boxes[valid];
            scores = scores[valid];
            rowIndex = rowIndex[valid];
        }

        scores = scores[.., TensorIndex.Slice(0, numClasses)];
        long regClasses = boxes.shape[1] / 4;
        var clipped = Clip(boxes.reshape(-1, 4), imageSize).view(-1, regClasses, 4);

        var filterMask = scores.Gt(scoreThresh);   // (R, K)
        var filterInds = filterMask.nonzero();     // (n, 2): roi, class, row-major like the mask selection below
        var candidates = regClasses == 1
            ? clipped[.., 0].index_select(0, filterInds[.., 0])
            : clipped[filterMask];
        var candidateScores = scores[filterMask];

        var keep = Nms.Batched(candidates, candidateScores, filterInds[.., 1], nmsThresh).to(boxes.device);
        if (topkPerImage >= 0 && keep.shape[0] > topkPerImage)
            keep = keep[TensorIndex.Slice(0, topkPerImage)];

        var kept = filterInds.index_select(0, keep);
        return (candidates.index_select(0, keep).MoveToOuterDisposeScope(),
            candidateScores.index_select(0, keep).MoveToOuterDisposeScope(),
            kept[.., 1].MoveToOuterDisposeScope(),
            rowIndex.index_select(0, kept[.., 0]).MoveToOuterDisposeScope());
    }

    // Not in place: the decoded boxes may be views of a tensor the caller still uses.
    private static Tensor Clip(Tensor boxes, (int Height, int Width) size)
    {
        var x0 = boxes[.., 0].Clamp(0, size.Width);
        var y0 = boxes[.., 1].Clamp(0, size.Height);
        var x1 = boxes[.., 2].Clamp(0, size.Width);
        var y1 = boxes[.., 3].Clamp(0, size.Height);
        return stack(new[] { x0, y0, x1, y1 }, -1);
    }
}
