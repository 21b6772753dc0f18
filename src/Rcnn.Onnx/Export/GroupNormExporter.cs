using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Export;

/// <summary>
/// GroupNorm with opset-17 primitives (GroupNormalization only arrives in opset 18): view as (N, G, -1), subtract the
/// mean, divide by sqrt(biased variance + eps), view back, then the per-channel affine.
/// </summary>
internal static class GroupNormExporter
{
    public static string Emit(OnnxGraphBuilder g, GroupNorm gn, string path, string x)
    {
        string N(string op) => ExportPath.Node(path, op);
        var shape = g.AddNode("Shape", N("Shape"), new[] { x });
        // 0 keeps the batch size, -1 takes the rest, as x.view(N, G, -1).
        var grouped = g.AddNode("Reshape", N("ReshapeGroups"), new[] { x, g.AddConstant(N("groups_shape"), 0, gn.num_groups, -1) });
        var mean = g.AddNode("ReduceMean", N("Mean"), new[] { grouped }, OnnxAttribute.Ints("axes", 2), OnnxAttribute.Int("keepdims", 1));
        var centered = g.AddNode("Sub", N("Center"), new[] { grouped, mean });
        var squared = g.AddNode("Mul", N("Square"), new[] { centered, centered });
        var variance = g.AddNode("ReduceMean", N("Var"), new[] { squared }, OnnxAttribute.Ints("axes", 2), OnnxAttribute.Int("keepdims", 1));
        var padded = g.AddNode("Add", N("AddEps"), new[] { variance, g.AddConstant(N("eps"), (float)gn.eps) });
        var std = g.AddNode("Sqrt", N("Std"), new[] { padded });
        var normed = g.AddNode("Div", N("Normalize"), new[] { centered, std });
        var y = g.AddNode("Reshape", N("ReshapeBack"), new[] { normed, shape });
        if (gn.weight is null && gn.bias is null) return y;
        using var scope = NewDisposeScope();
        long c = (gn.weight ?? gn.bias)!.shape[0];
        if (gn.weight is not null)
            y = g.AddNode("Mul", N("Scale"), new[] { y, g.AddInitializer(ExportPath.Join(path, "weight"), gn.weight.detach().reshape(c, 1, 1)) });
        if (gn.bias is not null)
            y = g.AddNode("Add", N("Shift"), new[] { y, g.AddInitializer(ExportPath.Join(path, "bias"), gn.bias.detach().reshape(c, 1, 1)) });
        return y;
    }
}
