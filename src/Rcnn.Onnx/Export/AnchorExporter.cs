using Rcnn.Onnx.Protos;
using Rcnn.Training.Modeling.AnchorGenerators;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Export;

/// <summary>
/// DefaultAnchorGenerator in-graph: the cell anchors are constants, the grid comes from the feature's own shape, so one
/// graph serves every input size. Same (H, W, A) order and float32 arithmetic as the TorchSharp module.
/// </summary>
internal static class AnchorExporter
{
    /// <summary>(Hi * Wi * A, 4) anchors of <paramref name="level"/> for the feature value <paramref name="feature"/> [1, C, Hi, Wi].</summary>
    public static string Emit(OnnxGraphBuilder g, DefaultAnchorGenerator generator, int level, string feature, string path)
    {
        var o = new GraphOps(g, path);
        float stride = generator.Strides[level];
        float start = (float)(generator.Offset * generator.Strides[level]);
        var shiftX = Shifts(o, "X", o.Dim("Width", feature, 3), stride, start);     // [W]
        var shiftY = Shifts(o, "Y", o.Dim("Height", feature, 2), stride, start);    // [H]
        var h = o.Dim("GridHeight", feature, 2);
        var w = o.Dim("GridWidth", feature, 3);
        var grid = o.Concat("GridShape", 0, h, w);
        // y varies along rows, x along columns ("ij" indexing), flattened row-major.
        var x = o.Reshape("GridX", o.Op("Expand", "ExpandX", o.Unsqueeze("RowX", shiftX, 0), grid), -1, 1);
        var y = o.Reshape("GridY", o.Op("Expand", "ExpandY", o.Unsqueeze("ColY", shiftY, 1), grid), -1, 1);
        var shifts = o.Concat("Shifts", 1, x, y, x, y);                                      // [H*W, 4]
        string cell;
        using (var scope = NewDisposeScope())
            cell = g.AddInitializer(ExportPath.Join(path, "cell_anchors"), generator.CellAnchors(level).detach().cpu().unsqueeze(0));
        var anchors = o.Op("Add", "Anchors", o.Unsqueeze("ShiftsPerCell", shifts, 1), cell);   // [H*W, A, 4]
        return o.Reshape("FlatAnchors", anchors, -1, 4);
    }

    private static string Shifts(GraphOps o, string axis, string count, float stride, float start)
    {
        var n = o.Squeeze($"{axis}Count", count, 0);
        var idx = o.Cast($"{axis}Index", o.Op("Range", $"{axis}Range", o.Int($"{axis}_zero", 0), n, o.Int($"{axis}_one", 1)),
            TensorProto.Types.DataType.Float);
        return o.Op("Add", $"{axis}Shift", o.Op("Mul", $"{axis}Scaled", idx, o.Float($"{axis}_stride", stride)), o.Float($"{axis}_start", start));
    }
}
