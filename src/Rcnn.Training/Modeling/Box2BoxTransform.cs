using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling;

/// <summary>
/// detectron2's R-CNN box parameterisation: deltas (dx, dy, dw, dh) that move and scale a source box onto a target box.
/// Widths are x1 - x0 (no "+1") and centres x0 + 0.5 * width. Each delta is multiplied by its weight when encoding and
/// divided by it when decoding.
/// </summary>
public sealed class Box2BoxTransform
{
    /// <summary>ln(1000 / 16): caps exp(dw), exp(dh) so a decoded box is never more than 62.5x its source.</summary>
    public const double DefaultScaleClamp = 4.135166556742356;

    /// <summary>A transform with the given delta weights and scale clamp.</summary>
    /// <param name="weights">(wx, wy, ww, wh), each positive and finite: detectron2 uses (1, 1, 1, 1) for the RPN and
    /// (10, 10, 5, 5) for the ROI box head.</param>
    /// <param name="scaleClamp">Upper bound on dw and dh, after dividing by their weights, before exp.</param>
    public Box2BoxTransform((double Wx, double Wy, double Ww, double Wh) weights, double scaleClamp = DefaultScaleClamp)
    {
        foreach (var (name, value) in new[] { ("Wx", weights.Wx), ("Wy", weights.Wy), ("Ww", weights.Ww), ("Wh", weights.Wh) })
            if (!(value > 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(weights), value, $"Box2BoxTransform weight {name} must be positive and finite.");
        if (double.IsNaN(scaleClamp))
            throw new ArgumentOutOfRangeException(nameof(scaleClamp), scaleClamp, "The scale clamp must be a number.");
        Weights = weights;
        ScaleClamp = scaleClamp;
    }

    /// <summary>(wx, wy, ww, wh): multiply the deltas when encoding, divide them when decoding.</summary>
    public (double Wx, double Wy, double Ww, double Wh) Weights { get; }

    /// <summary>The cap on dw and dh in <see cref="ApplyDeltas"/>, applied after the weights, before exp.</summary>
    public double ScaleClamp { get; }

    /// <summary>
    /// (N, 4) deltas that <see cref="ApplyDeltas"/> turns <paramref name="srcBoxes"/> into <paramref name="targetBoxes"/>,
    /// both (N, 4) in (x0, y0, x1, y1). Source boxes must have positive size. Computed in the inputs' dtype, as detectron2 does.
    /// </summary>
    public Tensor GetDeltas(Tensor srcBoxes, Tensor targetBoxes)
    {
        RequireBoxes(srcBoxes, nameof(srcBoxes));
        RequireBoxes(targetBoxes, nameof(targetBoxes));
        if (srcBoxes.shape[0] != targetBoxes.shape[0])
            throw new ArgumentException(
                $"srcBoxes has {srcBoxes.shape[0]} boxes but targetBoxes has {targetBoxes.shape[0]}; they are matched one to one.",
                nameof(targetBoxes));

        using var scope = NewDisposeScope();
        var (srcW, srcH, srcX, srcY) = SizesAndCentres(srcBoxes);
        // detectron2 asserts positive source widths; heights are checked too, as they divide the same way.
        if (!srcW.gt(Scalars.Zero).logical_and(srcH.gt(Scalars.Zero)).all().item<bool>())
            throw new ArgumentException("srcBoxes has a box with zero, negative or NaN width or height; deltas need x1 > x0 and y1 > y0.",
                nameof(srcBoxes));
        var (tgtW, tgtH, tgtX, tgtY) = SizesAndCentres(targetBoxes);
        var (wx, wy, ww, wh) = Weights;
        var dx = ((tgtX - srcX) / srcW).Times(wx);
        var dy = ((tgtY - srcY) / srcH).Times(wy);
        var dw = (tgtW / srcW).log().Times(ww);
        var dh = (tgtH / srcH).log().Times(wh);
        return stack(new[] { dx, dy, dw, dh }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decodes (N, 4k) deltas, k boxes per row in (dx, dy, dw, dh) groups (class-specific regression when k > 1), against
    /// (N, 4) boxes. Returns (N, 4k) float32 boxes laid out like the deltas. Always computed in float32 for precision.
    /// </summary>
    public Tensor ApplyDeltas(Tensor deltas, Tensor boxes)
    {
        RequireBoxes(boxes, nameof(boxes));
        if (deltas.dim() != 2 || deltas.shape[1] % 4 != 0)
            throw new ArgumentException(
                $"deltas must be (N, 4k), got shape [{string.Join(", ", deltas.shape)}].", nameof(deltas));
        if (deltas.shape[0] != boxes.shape[0])
            throw new ArgumentException(
                $"deltas has {deltas.shape[0]} rows but boxes has {boxes.shape[0]}; each row is decoded against its own box.",
                nameof(deltas));

        using var scope = NewDisposeScope();
        var d = deltas.to_type(ScalarType.Float32);
        var (widths, heights, ctrX, ctrY) = SizesAndCentres(boxes.to_type(ScalarType.Float32));
        widths = widths.unsqueeze(1);
        heights = heights.unsqueeze(1);

        var (wx, wy, ww, wh) = Weights;
        var dx = d[.., TensorIndex.Slice(0, null, 4)].Over(wx);
        var dy = d[.., TensorIndex.Slice(1, null, 4)].Over(wy);
        var dw = d[.., TensorIndex.Slice(2, null, 4)].Over(ww).ClampMax(ScaleClamp);
        var dh = d[.., TensorIndex.Slice(3, null, 4)].Over(wh).ClampMax(ScaleClamp);

        var predCtrX = (dx * widths).Plus(ctrX.unsqueeze(1));
        var predCtrY = (dy * heights).Plus(ctrY.unsqueeze(1));
        var predW = dw.exp() * widths;
        var predH = dh.exp() * heights;

        var x0 = predCtrX - predW.mul(Scalars.Half);
        var y0 = predCtrY - predH.mul(Scalars.Half);
        var x1 = predCtrX.Plus(predW.mul(Scalars.Half));
        var y1 = predCtrY.Plus(predH.mul(Scalars.Half));
        // (N, k, 4) flattened back to (N, 4k) so box j of row i sits where its deltas were.
        return stack(new[] { x0, y0, x1, y1 }, -1).reshape(d.shape).MoveToOuterDisposeScope();
    }

    private static (Tensor Widths, Tensor Heights, Tensor CtrX, Tensor CtrY) SizesAndCentres(Tensor boxes)
    {
        var widths = boxes[.., 2] - boxes[.., 0];
        var heights = boxes[.., 3] - boxes[.., 1];
        return (widths, heights, boxes[.., 0].Plus(widths.mul(Scalars.Half)), boxes[.., 1].Plus(heights.mul(Scalars.Half)));
    }

    private static void RequireBoxes(Tensor boxes, string name)
    {
        if (boxes.dim() != 2 || boxes.shape[1] != 4)
            throw new ArgumentException($"{name} must be (N, 4) boxes, got shape [{string.Join(", ", boxes.shape)}].", name);
    }
}
