using Rcnn.Training.Layers;
using Rcnn.Training.Modeling.Backbones;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Export;

/// <summary>Emits the single-tensor modules of a backbone (convs, stem, residual blocks, stages) by their own weights.</summary>
internal static class ModuleExporter
{
    public static string Emit(OnnxGraphBuilder g, nn.Module module, string path, string x) => module switch
    {
        Conv2dWithNorm conv => ConvExporter.Emit(g, conv, path, x),
        BasicStem stem => EmitStem(g, stem, path, x),
        BasicBlock or BottleneckBlock => EmitResidual(g, module, path, x),
        Sequential seq => seq.named_children().Aggregate(x, (h, c) => Emit(g, c.module, ExportPath.Join(path, c.name), h)),
        LastLevelMaxPool => MaxPool(g, path, x, kernel: 1, stride: 2, pad: 0),
        _ => throw ExportPath.Unsupported(path, module),
    };

    private static string EmitStem(OnnxGraphBuilder g, BasicStem stem, string path, string x)
    {
        var y = Emit(g, Child(stem, path, "conv1"), ExportPath.Join(path, "conv1"), x);
        return MaxPool(g, path, y, kernel: 3, stride: 2, pad: 1);
    }

    /// <summary>conv1 -> conv2 (-> conv3), plus the shortcut (or identity), then ReLU: both block types alike.</summary>
    private static string EmitResidual(OnnxGraphBuilder g, nn.Module block, string path, string x)
    {
        var children = block.named_children().ToDictionary(c => c.name, c => c.module);
        var y = x;
        foreach (var name in new[] { "conv1", "conv2", "conv3" })
            if (children.TryGetValue(name, out var conv)) y = Emit(g, conv, ExportPath.Join(path, name), y);
        var shortcut = children.TryGetValue("shortcut", out var s) ? Emit(g, s, ExportPath.Join(path, "shortcut"), x) : x;
        var sum = g.AddNode("Add", ExportPath.Node(path, "Add"), new[] { y, shortcut });
        return g.AddNode("Relu", ExportPath.Node(path, "Relu"), new[] { sum });
    }

    internal static string MaxPool(OnnxGraphBuilder g, string path, string x, long kernel, long stride, long pad) =>
        g.AddNode("MaxPool", ExportPath.Node(path, "MaxPool"), new[] { x },
            OnnxAttribute.Ints("kernel_shape", kernel, kernel),
            OnnxAttribute.Ints("strides", stride, stride),
            OnnxAttribute.Ints("pads", pad, pad, pad, pad));

    private static nn.Module Child(nn.Module parent, string path, string name) =>
        parent.named_children().FirstOrDefault(c => c.name == name).module
        ?? throw new InvalidOperationException($"Module '{path}' has no child '{name}'.");
}
