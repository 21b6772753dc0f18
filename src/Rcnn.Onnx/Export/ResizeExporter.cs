using Rcnn.Onnx.Protos;

namespace Rcnn.Onnx.Export;

/// <summary>
/// The test-time ResizeShortestEdge + ResizeTransform in-graph, bit for bit: the target size by detectron2's formula
/// in float64 with int(x + 0.5), then PIL's antialiased bilinear filter as ResizeTransform applies it (float64 triangle
/// weights whose support widens when shrinking, horizontal pass then vertical, each rounded to 8 bits). Each pass is a
/// Gather of the few source pixels under every output pixel and a weighted sum, so it costs O(taps) per pixel.
/// ONNX Resize (antialias needs opset 18) would not round between passes and so could not reproduce it exactly.
/// </summary>
internal static class ResizeExporter
{
    private const TensorProto.Types.DataType F64 = TensorProto.Types.DataType.Double;
    private const TensorProto.Types.DataType I64 = TensorProto.Types.DataType.Int64;

    /// <summary>Taps summed in ResizeTransform's order: 2 * ceil(scale) + 1 for up to 2x shrinking (BCCD's 480 -> 256,
    /// or up to 1600-px images for an 800-px test size). Every axis gets at least this many (the extra ones weigh 0, and
    /// adding +0 changes no sum); beyond 2x the remaining taps are summed by ReduceSum, which may flip a byte at an exact
    /// .5. Each unrolled tap costs a pass over the output, so this is a speed/exactness trade.</summary>
    private const int ExactTaps = 5;

    /// <summary>(newH, newW) as float64 [1] values, from int64 [1] height and width.</summary>
    public static (string Height, string Width) TargetSize(GraphOps o, string height, string width, int shortEdge, int maxSize)
    {
        var h = o.Cast("HeightF64", height, F64);
        var w = o.Cast("WidthF64", width, F64);
        var shortLen = o.Double("short_edge", shortEdge);
        var scale = o.Op("Div", "Scale", shortLen, o.Op("Min", "ShortSide", h, w));
        var landscape = o.Op("Less", "IsLandscape", h, w);
        var newH = o.Op("Where", "ScaledHeight", landscape, shortLen, o.Op("Mul", "HeightTimesScale", scale, h));
        var newW = o.Op("Where", "ScaledWidth", landscape, o.Op("Mul", "WidthTimesScale", scale, w), shortLen);
        var longer = o.Op("Max", "LongSide", newH, newW);
        var max = o.Double("max_size", maxSize);
        var shrink = o.Op("Where", "Shrink", o.Op("Greater", "TooLong", longer, max), o.Op("Div", "ShrinkFactor", max, longer),
            o.Double("one", 1.0));
        var half = o.Double("half", 0.5);
        string Round(string name, string x) => o.Op("Floor", name, o.Op("Add", name + "PlusHalf", x, half));
        return (Round("TargetHeight", o.Op("Mul", "ShrunkHeight", newH, shrink)), Round("TargetWidth", o.Op("Mul", "ShrunkWidth", newW, shrink)));
    }

    /// <summary>Resizes float [C, H, W] (0..255 integers) to (newH, newW), float64 [1] each; returns float64 [C, newH, newW].</summary>
    public static string Resize(GraphOps o, string image, string newHeight, string newWidth)
    {
        var (wIdx, wWeights) = Coefficients(o, "W", o.Dim("InWidth", image, 2), newWidth);
        var (hIdx, hWeights) = Coefficients(o, "H", o.Dim("InHeight", image, 1), newHeight);
        // The resized axis goes first, so every tap gathers whole contiguous [C, other] blocks.
        var byColumn = o.Op("Transpose", "ColumnsFirst", new[] { o.Cast("ImageF64", image, F64) }, OnnxAttribute.Ints("perm", 2, 0, 1));
        var horizontal = ToByte(o, "Horizontal", Accumulate(o, "Horizontal", byColumn, wIdx, wWeights));      // [newW, C, H]
        var byRow = o.Op("Transpose", "RowsFirst", new[] { horizontal }, OnnxAttribute.Ints("perm", 2, 1, 0));  // [H, C, newW]
        var vertical = ToByte(o, "Vertical", Accumulate(o, "Vertical", byRow, hIdx, hWeights));              // [newH, C, newW]
        return o.Op("Transpose", "ChannelsFirst", new[] { vertical }, OnnxAttribute.Ints("perm", 1, 0, 2));
    }

    /// <summary>
    /// out[i] = sum over taps k of weights[i, k] * x[indices[i, k]] along axis 0 of <paramref name="x"/>, accumulated tap by
    /// tap from the first as ResizeTransform does: with weights like k/30 many sums land exactly on .5, so the summation
    /// order decides the byte. Taps past <see cref="ExactTaps"/> (shrinking more than 2x) are added last with ReduceSum.
    /// </summary>
    private static string Accumulate(GraphOps o, string name, string x, string indices, string weights)
    {
        string? sum = null;
        for (int k = 0; k < ExactTaps; k++)
        {
            var tap = o.Int($"{name}_k{k}", k);
            var rows = o.Gather($"{name}Tap{k}", x, o.Gather($"{name}Index{k}", indices, tap, 1));
            var weight = o.Reshape($"{name}Weight{k}", o.Gather($"{name}WeightCol{k}", weights, tap, 1), -1, 1, 1);
            var term = o.Op("Mul", $"{name}Term{k}", rows, weight);
            sum = sum is null ? term : o.Op("Add", $"{name}Add{k}", sum, term);
        }
        var tailRows = o.Gather($"{name}TailRows", x, o.Slice($"{name}TailIndex", indices, ExactTaps, long.MaxValue, 1));
        var tailWeights = o.Unsqueeze($"{name}TailWeights", o.Slice($"{name}TailWeight", weights, ExactTaps, long.MaxValue, 1), 2, 3);
        var tail = o.Op("ReduceSum", $"{name}Tail", new[] { o.Op("Mul", $"{name}TailTerms", tailRows, tailWeights), o.Ints($"{name}_tail_axis", 1) },
            OnnxAttribute.Int("keepdims", 0));
        return o.Op("Add", $"{name}AddTail", sum!, tail);
    }

    /// <summary>Sums [out, taps] over the taps in order (the weight totals, as ResizeTransform adds them).</summary>
    private static string SequentialSum(GraphOps o, string name, string x)
    {
        var sum = o.Gather($"{name}Tap0", x, o.Int($"{name}_k0", 0), 1);
        for (int k = 1; k < ExactTaps; k++)
            sum = o.Op("Add", $"{name}Add{k}", sum, o.Gather($"{name}Tap{k}", x, o.Int($"{name}_k{k}", k), 1));
        var rest = o.Op("ReduceSum", $"{name}Rest", new[] { o.Slice($"{name}Tail", x, ExactTaps, long.MaxValue, 1), o.Ints($"{name}_axis", 1) },
            OnnxAttribute.Int("keepdims", 0));
        return o.Op("Add", $"{name}AddRest", sum, rest);
    }

    /// <summary>ResizeTransform.ToByte: round half up, clamped to [0, 255].</summary>
    private static string ToByte(GraphOps o, string name, string x)
    {
        var rounded = o.Op("Floor", name + "Round", o.Op("Add", name + "PlusHalf", x, o.Double(name + "_half", 0.5)));
        return o.Op("Min", name + "ToByte", o.Op("Max", name + "NonNegative", rounded, o.Double(name + "_zero", 0)), o.Double(name + "_255", 255));
    }

    /// <summary>
    /// Per output pixel of one axis: the source indices [out, taps] (int64, clamped in range; unused taps weigh 0) and
    /// the normalised triangle weights [out, taps], as ResizeTransform.Coefficients computes them.
    /// </summary>
    private static (string Indices, string Weights) Coefficients(GraphOps o, string axis, string inSizeInt, string outSize)
    {
        string N(string s) => s + axis;
        var inSize = o.Cast(N("InSizeF64"), inSizeInt, F64);
        var scale = o.Op("Div", N("AxisScale"), inSize, outSize);
        var support = o.Op("Max", N("Support"), scale, o.Double(N("one"), 1.0));  // also the filter scale
        var taps = o.Op("Add", N("Taps"), o.Op("Mul", N("TwiceCeil"), o.Op("Ceil", N("CeilSupport"), support), o.Double(N("two"), 2)),
            o.Double(N("one_tap"), 1));
        var zero = o.Double(N("zero"), 0);
        var half = o.Double(N("half"), 0.5);
        var step = o.Double(N("step"), 1);
        var outIdx = o.Op("Range", N("OutIndex"), zero, o.Squeeze(N("OutSizeScalar"), outSize, 0), step);          // [out]
        var center = o.Op("Mul", N("Center"), o.Op("Add", N("OutPlusHalf"), outIdx, half), scale);
        // int() truncates; below zero both it and floor end up at 0 after the max.
        var first = o.Op("Max", N("First"), o.Op("Floor", N("FirstRaw"), o.Op("Add", N("LowEdge"),
            o.Op("Sub", N("CenterMinusSupport"), center, support), half)), zero);
        var end = o.Op("Min", N("End"), o.Op("Floor", N("EndRaw"), o.Op("Add", N("HighEdge"), o.Op("Add", N("CenterPlusSupport"), center, support), half)), inSize);
        var count = o.Op("Min", N("Count"), o.Op("Sub", N("Span"), end, first), taps);
        var columns = o.Op("Max", N("Columns"), taps, o.Double(N("exact_taps"), ExactTaps));
        var k = o.Op("Range", N("TapIndex"), zero, o.Squeeze(N("ColumnsScalar"), columns, 0), step);              // [columns]
        var first2 = o.Unsqueeze(N("First2d"), first, 1);
        var index = o.Op("Add", N("SourceIndex"), first2, k);                                                     // [out, taps]
        var distance = o.Op("Abs", N("Distance"), o.Op("Div", N("Scaled"), o.Op("Add", N("Offset"),
            o.Op("Sub", N("MinusCenter"), index, o.Unsqueeze(N("Center2d"), center, 1)), half), support));
        var triangle = o.Op("Where", N("Triangle"), o.Op("Less", N("InSupport"), distance, o.Double(N("one_d"), 1)),
            o.Op("Sub", N("OneMinusD"), o.Double(N("one_w"), 1), distance), zero);
        var used = o.Op("Less", N("Used"), k, o.Unsqueeze(N("Count2d"), count, 1));
        var weights = o.Op("Where", N("UsedWeights"), used, triangle, zero);
        var total = o.Unsqueeze(N("Total"), SequentialSum(o, N("WeightSum"), weights), 1);
        var safeTotal = o.Op("Where", N("SafeTotal"), o.Op("Greater", N("Positive"), total, zero), total, o.Double(N("one_t"), 1));
        var normalised = o.Op("Div", N("Normalised"), weights, safeTotal);
        var last = o.Op("Sub", N("LastIndex"), inSize, o.Double(N("one_i"), 1));
        var clamped = o.Op("Min", N("ClampedIndex"), index, last);
        return (o.Cast(N("IndexInt"), clamped, I64), normalised);
    }
}
