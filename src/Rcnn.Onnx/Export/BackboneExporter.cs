using Rcnn.Training.Modeling.Backbones;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Export;

/// <summary>Emits multi-output backbones (ResNet, FPN over a backbone); returns feature name -> value name.</summary>
internal static class BackboneExporter
{
    public static Dictionary<string, string> Emit(OnnxGraphBuilder g, Backbone backbone, string path, string x) => backbone switch
    {
        ResNet resnet => EmitResNet(g, resnet, path, x),
        Fpn fpn => EmitFpn(g, fpn, path, x),
        _ => throw ExportPath.Unsupported(path, backbone),
    };

    private static Dictionary<string, string> EmitResNet(OnnxGraphBuilder g, ResNet resnet, string path, string x)
    {
        var wanted = resnet.OutputShape();
        var outputs = new Dictionary<string, string>();
        // Children are the stem then res2.. in forward order; only the stages up to the deepest output exist.
        foreach (var (name, child) in resnet.named_children())
        {
            x = ModuleExporter.Emit(g, child, ExportPath.Join(path, name), x);
            if (wanted.ContainsKey(name)) outputs[name] = x;
        }
        return wanted.Keys.ToDictionary(k => k, k => outputs[k]);
    }

    private static Dictionary<string, string> EmitFpn(OnnxGraphBuilder g, Fpn fpn, string path, string x)
    {
        var bottom = Emit(g, fpn.BottomUp, ExportPath.Join(path, "bottom_up"), x);
        var lateralPaths = fpn.named_children().ToDictionary(c => (object)c.module, c => ExportPath.Join(path, c.name), ReferenceEqualityComparer.Instance);
        string Conv(nn.Module conv, string input) => ModuleExporter.Emit(g, conv, lateralPaths[conv], input);

        int n = fpn.InFeatures.Count;
        var results = new string[n];
        var prev = Conv(fpn.LateralConvs[n - 1], bottom[fpn.InFeatures[n - 1]]);
        results[n - 1] = Conv(fpn.OutputConvs[n - 1], prev);
        // Resize's nearest with asymmetric coordinates and floor rounding picks source pixel floor(dst / 2), as torch's nearest.
        var scales = g.AddInitializer(ExportPath.Join(path, "upsample_scales"), new[] { 1f, 1f, 2f, 2f }, 4);
        for (int i = n - 2; i >= 0; i--)
        {
            string lateralPath = lateralPaths[fpn.LateralConvs[i]];
            var topDown = g.AddNode("Resize", ExportPath.Node(lateralPath, "TopDownResize"), new[] { prev, "", scales },
                OnnxAttribute.String("mode", "nearest"),
                OnnxAttribute.String("coordinate_transformation_mode", "asymmetric"),
                OnnxAttribute.String("nearest_mode", "floor"));
            var lateral = Conv(fpn.LateralConvs[i], bottom[fpn.InFeatures[i]]);
            prev = g.AddNode("Add", ExportPath.Node(lateralPath, "Fuse"), new[] { lateral, topDown });
            if (fpn.FuseType == "avg")
                prev = g.AddNode("Div", ExportPath.Node(lateralPath, "Average"), new[] { prev, g.AddConstant(ExportPath.Node(lateralPath, "two"), 2f) });
            results[i] = Conv(fpn.OutputConvs[i], prev);
        }
        var names = fpn.OutputShape().Keys.ToList();
        var outputs = new Dictionary<string, string>();
        for (int i = 0; i < n; i++) outputs[names[i]] = results[i];
        if (fpn.TopBlock is { } top)
        {
            if (names.Count != n + top.NumLevels || top.NumLevels != 1)
                throw new NotSupportedException($"FPN top block at '{ExportPath.Join(path, "top_block")}' must add exactly one level.");
            outputs[names[n]] = ModuleExporter.Emit(g, top, ExportPath.Join(path, "top_block"), outputs[top.InFeature]);
        }
        return outputs;
    }
}
