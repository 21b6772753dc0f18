using Rcnn.Onnx.Protos;
using Rcnn.Training.Modeling;

namespace Rcnn.Onnx.Export;

/// <summary>
/// <see cref="RoiPooler"/> with ONNX RoiAlign (mode avg; aligned = half_pixel, legacy = output_half_pixel): each box is
/// assigned its level as detectron2 does, every level pools only its own boxes, and the results are scattered back
/// into the boxes' order.
/// </summary>
internal static class RoiPoolerExporter
{
    /// <param name="levels">Feature values [1, C, Hi, Wi], finest first, one per pooler level.</param>
    /// <param name="boxes">float [R, 4] (x0, y0, x1, y1) in input-image pixels.</param>
    /// <returns>float [R, C, out, out].</returns>
    public static string Emit(OnnxGraphBuilder g, RoiPooler pooler, IReadOnlyList<string> levels, string boxes, string path)
    {
        var poolers = pooler.LevelPoolers;
        if (levels.Count != poolers.Count)
            throw new ArgumentException($"ROI pooler '{path}' has {poolers.Count} levels but {levels.Count} features were given.", nameof(levels));
        var o = new GraphOps(g, path);
        // One image per run: every box belongs to batch item 0.
        var count = o.Dim("BoxCount", boxes, 0);
        var batchIndices = o.Op("ConstantOfShape", "BatchIndices", new[] { count },
            OnnxAttribute.Tensor("value", OnnxGraphBuilder.ToTensorProto(TorchSharp.torch.zeros(1, TorchSharp.torch.ScalarType.Int64))));
        if (poolers.Count == 1) return RoiAlign(o, poolers[0], levels[0], boxes, batchIndices, "RoiAlign");

        var level = AssignLevels(o, pooler, boxes);
        var pooled = new string[poolers.Count];
        var positions = new string[poolers.Count];
        for (int l = 0; l < poolers.Count; l++)
        {
            var mask = o.Op("Equal", $"IsLevel{l}", level, o.Int($"level{l}", l));
            positions[l] = o.Reshape($"Level{l}Indices", o.Op("NonZero", $"Level{l}NonZero", mask), -1);
            var levelBoxes = o.Gather($"Level{l}Boxes", boxes, positions[l]);
            var levelBatch = o.Gather($"Level{l}Batch", batchIndices, positions[l]);
            pooled[l] = RoiAlign(o, poolers[l], levels[l], levelBoxes, levelBatch, $"RoiAlignLevel{l}");
        }
        var all = o.Concat("ConcatLevels", 0, pooled);
        var order = o.Unsqueeze("ScatterIndices", o.Concat("ConcatPositions", 0, positions), 1);
        // Row i of the concatenation goes back to the box it came from; every row is overwritten, so `all` serves as data.
        return o.Op("ScatterND", "ScatterBack", all, order, all);
    }

    /// <summary>
    /// detectron2's assign_boxes_to_levels in float32: floor(canonical + log2(sqrt(area) / canonical size + 1e-8)),
    /// clamped to the pooler's levels, minus the finest level (int64 [R]).
    /// </summary>
    private static string AssignLevels(GraphOps o, RoiPooler pooler, string boxes)
    {
        var x0 = o.Gather("X0", boxes, o.Int("c0", 0), 1);
        var y0 = o.Gather("Y0", boxes, o.Int("c1", 1), 1);
        var x1 = o.Gather("X1", boxes, o.Int("c2", 2), 1);
        var y1 = o.Gather("Y1", boxes, o.Int("c3", 3), 1);
        var area = o.Op("Mul", "Area", o.Op("Sub", "Width", x1, x0), o.Op("Sub", "Height", y1, y0));
        var ratio = o.Op("Div", "RelativeSize", o.Op("Sqrt", "Size", area), o.Float("canonical_box_size", pooler.CanonicalBoxSize));
        var shifted = o.Op("Add", "AddEps", ratio, o.Float("eps", 1e-8f));
        var log2 = o.Op("Div", "Log2", o.Op("Log", "Log", shifted), o.Float("ln2", MathF.Log(2f)));
        var raw = o.Op("Floor", "Floor", o.Op("Add", "AddCanonical", log2, o.Float("canonical_level", pooler.CanonicalLevel)));
        var clamped = o.Op("Clip", "Clamp", raw, o.Float("min_level", pooler.MinLevel), o.Float("max_level", pooler.MaxLevel));
        return o.Op("Sub", "LevelIndex", o.Cast("LevelInt", clamped, TensorProto.Types.DataType.Int64), o.Int("min_level_int", pooler.MinLevel));
    }

    private static string RoiAlign(GraphOps o, Rcnn.Training.Layers.RoiAlign p, string feature, string boxes, string batch, string name) =>
        o.Op("RoiAlign", name, new[] { feature, boxes, batch },
            OnnxAttribute.String("mode", "avg"),
            OnnxAttribute.String("coordinate_transformation_mode", p.Aligned ? "half_pixel" : "output_half_pixel"),
            OnnxAttribute.Int("output_height", p.OutputSize.Height),
            OnnxAttribute.Int("output_width", p.OutputSize.Width),
            OnnxAttribute.Int("sampling_ratio", p.SamplingRatio),
            OnnxAttribute.Float("spatial_scale", (float)p.SpatialScale));
}
