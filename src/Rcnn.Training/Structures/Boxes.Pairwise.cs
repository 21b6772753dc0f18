using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Structures;

// detectron2 keeps these as module functions in structures/boxes.py (pairwise_iou, pairwise_ioa, pairwise_intersection);
// here they are statics on Boxes so `Boxes.PairwiseIou(a, b)` reads the same way.
public sealed partial class Boxes
{
    /// <summary>(N, M) intersection areas of every box in <paramref name="a"/> with every box in <paramref name="b"/>.</summary>
    public static Tensor PairwiseIntersection(Boxes a, Boxes b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var t1 = a.Tensor.unsqueeze(1); // (N, 1, 4) against (M, 4) broadcasts to (N, M, ...)
        var t2 = b.Tensor;
        var topLeft = maximum(t1[.., .., TensorIndex.Slice(0, 2)], t2[.., TensorIndex.Slice(0, 2)]);
        var bottomRight = minimum(t1[.., .., TensorIndex.Slice(2, 4)], t2[.., TensorIndex.Slice(2, 4)]);
        var wh = (bottomRight - topLeft).clamp_min(Scalars.Zero);
        return wh[.., .., 0] * wh[.., .., 1];
    }

    /// <summary>
    /// (N, M) intersection over union. Pairs that do not overlap (disjoint, touching or zero-area boxes) get exactly 0,
    /// never NaN, where torchvision's box_iou would give 0/0 for two identical zero-area boxes.
    /// </summary>
    public static Tensor PairwiseIou(Boxes a, Boxes b)
    {
        var inter = PairwiseIntersection(a, b);
        var union = a.Area().unsqueeze(1).Plus(b.Area()) - inter;
        return where(inter.gt(Scalars.Zero), inter / union, zeros_like(inter));
    }

    /// <summary>
    /// (N, M) intersection over the area of the boxes in <paramref name="b"/> (the second argument), as detectron2's
    /// pairwise_ioa; 0 where the boxes do not overlap.
    /// </summary>
    public static Tensor PairwiseIoa(Boxes a, Boxes b)
    {
        var inter = PairwiseIntersection(a, b);
        return where(inter.gt(Scalars.Zero), inter / b.Area(), zeros_like(inter));
    }
}
