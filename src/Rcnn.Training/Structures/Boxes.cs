using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Structures;

/// <summary>
/// A list of axis-aligned boxes as an (N, 4) float tensor in (x0, y0, x1, y1) absolute pixels, as detectron2's
/// <c>Boxes</c>. Width is x1 - x0 with no "+1". The tensor's lifetime follows the caller's dispose scope.
/// </summary>
public sealed partial class Boxes
{
    /// <summary>Wraps an (N, 4) tensor of (x0, y0, x1, y1), uncopied when float32 or float64; any other dtype is
    /// converted to float32, and an empty tensor of any shape becomes (0, 4).</summary>
    public Boxes(Tensor tensor)
    {
        if (tensor.numel() == 0) tensor = tensor.reshape(-1, 4);
        if (tensor.dim() != 2 || tensor.shape[1] != 4)
            throw new ArgumentException($"Boxes need an (N, 4) tensor, got shape [{string.Join(", ", tensor.shape)}].", nameof(tensor));
        Tensor = tensor.dtype == ScalarType.Float32 || tensor.dtype == ScalarType.Float64 ? tensor : tensor.to_type(ScalarType.Float32);
    }

    /// <summary>(N, 4) float32 or float64 boxes, (x0, y0, x1, y1) in absolute pixels.</summary>
    public Tensor Tensor { get; }

    /// <summary>Number of boxes, N.</summary>
    public int Count => (int)Tensor.shape[0];

    /// <summary>The device of the (N, 4) tensor.</summary>
    public Device Device => Tensor.device;

    /// <summary>(0, 4) float32 boxes on <paramref name="device"/> (the default device when null).</summary>
    public static Boxes Empty(Device? device = null) => new(zeros(0, 4, device: device));

    /// <summary>A copy with its own (N, 4) tensor (<c>clone()</c>).</summary>
    public Boxes Clone() => new(Tensor.clone());

    /// <summary>These boxes on <paramref name="device"/> (the same tensor when already there).</summary>
    public Boxes To(Device device) => new(Tensor.to(device));

    /// <summary>(N,) areas, (x1 - x0) * (y1 - y0).</summary>
    public Tensor Area()
    {
        var t = Tensor;
        return (t[.., 2] - t[.., 0]) * (t[.., 3] - t[.., 1]);
    }

    /// <summary>Clips in place to [0, width] x [0, height] and returns this.</summary>
    public Boxes Clip(long height, long width)
    {
        using var _ = no_grad();
        var t = Tensor;
        t[.., 0].Clamp_(0, width);
        t[.., 1].Clamp_(0, height);
        t[.., 2].Clamp_(0, width);
        t[.., 3].Clamp_(0, height);
        return this;
    }

    /// <summary>(N,) bool: width and height both strictly greater than <paramref name="threshold"/>.</summary>
    public Tensor NonEmpty(double threshold = 0.0)
    {
        var t = Tensor;
        var w = t[.., 2] - t[.., 0];
        var h = t[.., 3] - t[.., 1];
        return w.Gt(threshold).logical_and(h.Gt(threshold));
    }

    /// <summary>(N,) bool: the box lies inside the image, allowing <paramref name="boundaryThreshold"/> pixels outside.</summary>
    public Tensor InsideBox(long height, long width, double boundaryThreshold = 0.0)
    {
        var t = Tensor;
        return t[.., 0].Ge(-boundaryThreshold)
            .logical_and(t[.., 1].Ge(-boundaryThreshold))
            .logical_and(t[.., 2].Lt(width + boundaryThreshold))
            .logical_and(t[.., 3].Lt(height + boundaryThreshold));
    }

    /// <summary>(N, 2) box centres.</summary>
    public Tensor GetCenters() => Tensor[.., TensorIndex.Slice(0, 2)].Plus(Tensor[.., TensorIndex.Slice(2, 4)]).Over(2);

    /// <summary>Scales x by <paramref name="scaleX"/> and y by <paramref name="scaleY"/> in place.</summary>
    public Boxes Scale(double scaleX, double scaleY)
    {
        using var _ = no_grad();
        Tensor[.., TensorIndex.Slice(0, null, 2)].Times_(scaleX);
        Tensor[.., TensorIndex.Slice(1, null, 2)].Times_(scaleY);
        return this;
    }

    /// <summary>Selects by a bool mask or an index tensor.</summary>
    public Boxes this[Tensor index] => new(Tensor[index]);

    /// <summary>Box <paramref name="index"/> (negative counts from the end) as a Boxes of one row, as detectron2's <c>boxes[int]</c>.</summary>
    public Boxes this[long index]
    {
        get
        {
            if (index < -Count || index >= Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"Boxes has {Count} boxes.");
            long i = index < 0 ? index + Count : index;
            return new(Tensor[TensorIndex.Slice(i, i + 1)]);
        }
    }

    /// <summary>The lists concatenated in order into one (sum of N, 4); no lists gives <see cref="Empty"/> on the
    /// default device.</summary>
    public static Boxes Cat(IEnumerable<Boxes> boxes)
    {
        var list = boxes.Select(b => b.Tensor).ToArray();
        return list.Length == 0 ? Empty() : new Boxes(cat(list, 0));
    }
}
