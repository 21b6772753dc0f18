using Rcnn.Training.Layers;
using Rcnn.Training.Modeling.Roi;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Export;

/// <summary><see cref="FastRcnnConvFcHead"/> (convs with their norms, then flatten and fc + ReLU layers) and the
/// predictor's two linear layers, from the modules' own weights.</summary>
internal static class BoxHeadExporter
{
    public static string EmitHead(OnnxGraphBuilder g, nn.Module<Tensor, Tensor> head, string path, string x)
    {
        if (head is not FastRcnnConvFcHead) throw ExportPath.Unsupported(path, head);
        bool flattened = false;
        // Children are conv1.. then fc1.., in forward order.
        foreach (var (name, child) in head.named_children())
        {
            var childPath = ExportPath.Join(path, name);
            switch (child)
            {
                case Conv2dWithNorm conv:
                    x = ConvExporter.Emit(g, conv, childPath, x);
                    break;
                case Linear fc:
                    if (!flattened)
                    {
                        x = Flatten(g, path, x);
                        flattened = true;
                    }
                    x = g.AddNode("Relu", ExportPath.Node(childPath, "Relu"), new[] { Gemm(g, fc, childPath, x) });
                    break;
                default:
                    throw ExportPath.Unsupported(childPath, child);
            }
        }
        return x;
    }

    /// <summary>(class logits [R, K+1], box deltas [R, 4K or 4]).</summary>
    public static (string Logits, string Deltas) EmitPredictor(OnnxGraphBuilder g, FastRcnnOutputLayers predictor, string path, string x)
    {
        var layers = predictor.named_children().ToDictionary(c => c.name, c => c.module);
        x = Flatten(g, path, x);
        return (Gemm(g, (Linear)layers["cls_score"], ExportPath.Join(path, "cls_score"), x),
            Gemm(g, (Linear)layers["bbox_pred"], ExportPath.Join(path, "bbox_pred"), x));
    }

    private static string Flatten(OnnxGraphBuilder g, string path, string x) =>
        g.AddNode("Flatten", ExportPath.Node(path, "Flatten"), new[] { x }, OnnxAttribute.Int("axis", 1));

    private static string Gemm(OnnxGraphBuilder g, Linear fc, string path, string x)
    {
        var inputs = new List<string> { x, g.AddInitializer(ExportPath.Join(path, "weight"), fc.weight!.detach()) };
        if (fc.bias is not null) inputs.Add(g.AddInitializer(ExportPath.Join(path, "bias"), fc.bias.detach()));
        return g.AddNode("Gemm", ExportPath.Node(path, "Gemm"), inputs, OnnxAttribute.Int("transB", 1));
    }
}
