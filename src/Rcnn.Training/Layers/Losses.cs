using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>Box regression losses with fvcore's semantics (fvcore/nn/smooth_l1_loss.py and giou_loss.py).</summary>
public static class Losses
{
    /// <summary>Below this beta the quadratic zone is treated as absent (plain L1), avoiding a division by ~0.</summary>
    public const double MinBeta = 1e-5;

    /// <summary>
    /// Smooth L1: 0.5 x^2 / beta where |x| &lt; beta, else |x| - 0.5 beta, with x = input - target; plain L1 when
    /// <paramref name="beta"/> &lt; 1e-5 (detectron2's default SMOOTH_L1_BETA is 0).
    /// </summary>
    public static Tensor SmoothL1(Tensor input, Tensor target, double beta, nn.Reduction reduction = nn.Reduction.None)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.shape.SequenceEqual(target.shape))
            throw new ArgumentException(
                $"input shape [{string.Join(", ", input.shape)}] differs from target shape [{string.Join(", ", target.shape)}].", nameof(target));
        if (double.IsNaN(beta) || beta < 0) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be non-negative.");

        var n = (input - target).abs();
        var loss = beta < MinBeta ? n : where(n.Lt(beta), (n * n).mul(Scalars.Half).Over(beta), n.Minus(0.5 * beta));
        return Reduce(loss, reduction);
    }

    /// <summary>
    /// Generalized IoU loss, 1 - GIoU, of matched (..., 4) XYXY boxes. <paramref name="eps"/> keeps zero-area unions and
    /// enclosures finite. Boxes in <paramref name="boxes1"/> with x1 &lt; x0 or y1 &lt; y0 are rejected, as fvcore asserts.
    /// </summary>
    public static Tensor Giou(Tensor boxes1, Tensor boxes2, nn.Reduction reduction = nn.Reduction.None, double eps = 1e-7)
    {
        ArgumentNullException.ThrowIfNull(boxes1);
        ArgumentNullException.ThrowIfNull(boxes2);
        if (boxes1.dim() == 0 || boxes1.shape[^1] != 4 || !boxes1.shape.SequenceEqual(boxes2.shape))
            throw new ArgumentException(
                $"Giou needs two (..., 4) box tensors of the same shape, got [{string.Join(", ", boxes1.shape)}] and [{string.Join(", ", boxes2.shape)}].",
                nameof(boxes2));

        var a = boxes1.unbind(-1);
        var b = boxes2.unbind(-1);
        var (x1, y1, x2, y2) = (a[0], a[1], a[2], a[3]);
        var (x1g, y1g, x2g, y2g) = (b[0], b[1], b[2], b[3]);
        using (no_grad())
        {
            if (x2.lt(x1).any().item<bool>()) throw new ArgumentException("boxes1 has a box with x1 < x0.", nameof(boxes1));
            if (y2.lt(y1).any().item<bool>()) throw new ArgumentException("boxes1 has a box with y1 < y0.", nameof(boxes1));
        }

        var interW = minimum(x2, x2g) - maximum(x1, x1g);
        var interH = minimum(y2, y2g) - maximum(y1, y1g);
        // Only strictly overlapping pairs carry an intersection (and a gradient through it), as fvcore's masked assignment.
        var overlap = interW.gt(Scalars.Zero).logical_and(interH.gt(Scalars.Zero));
        var inter = where(overlap, interW * interH, zeros_like(interW));
        var union = ((x2 - x1) * (y2 - y1)).Plus((x2g - x1g) * (y2g - y1g)) - inter;
        var iou = inter / union.Plus(eps);

        var enclosure = (maximum(x2, x2g) - minimum(x1, x1g)) * (maximum(y2, y2g) - minimum(y1, y1g));
        var giou = iou - (enclosure - union) / enclosure.Plus(eps);
        return Reduce(giou.SubtractedFrom(1), reduction);
    }

    // An empty mean is 0 rather than NaN, and stays attached to the graph (0 * sum) so backward still runs.
    private static Tensor Reduce(Tensor loss, nn.Reduction reduction) => reduction switch
    {
        nn.Reduction.None => loss,
        nn.Reduction.Sum => loss.sum(),
        nn.Reduction.Mean => loss.numel() > 0 ? loss.mean() : loss.sum().mul(Scalars.Zero),
        _ => throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Unknown reduction."),
    };
}
