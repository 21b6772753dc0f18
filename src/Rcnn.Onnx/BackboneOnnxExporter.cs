using Rcnn.Onnx.Export;
using Rcnn.Onnx.Protos;
using Rcnn.Training.Modeling.Backbones;

namespace Rcnn.Onnx;

/// <summary>
/// Exports a backbone (ResNet, or FPN over ResNet) to ONNX from the module's own weights. The graph takes
/// <c>images</c> (batch, C, height, width; height and width symbolic) and returns one output per feature, named as
/// the backbone names them (res4, p2..p6). Batch norms are exported in inference mode.
/// </summary>
public static class BackboneOnnxExporter
{
    public const string InputName = "images";

    /// <summary>Builds the graph; <paramref name="metadata"/> is added to the model's metadata_props.</summary>
    public static OnnxGraphBuilder Build(Backbone backbone, int inChannels = 3, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (inChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "must be positive");
        var g = new OnnxGraphBuilder(backbone.GetType().Name);
        var x = g.AddInput(InputName, TensorProto.Types.DataType.Float, "batch", inChannels, "height", "width");
        var features = BackboneExporter.Emit(g, backbone, "", x);
        var shapes = backbone.OutputShape();
        foreach (var (name, value) in features)
        {
            var output = g.AddNode("Identity", name, new[] { value });
            if (output != name) throw new InvalidOperationException($"Output name '{name}' clashes with a value of the graph.");
            g.AddOutput(output, TensorProto.Types.DataType.Float, "batch", shapes[name].Channels, $"{name}_height", $"{name}_width");
        }
        g.SetMetadata("rcnn.graph", "backbone");
        g.SetMetadata("rcnn.features", string.Join(",", features.Keys));
        g.SetMetadata("rcnn.strides", string.Join(",", features.Keys.Select(k => shapes[k].Stride)));
        g.SetMetadata("rcnn.size_divisibility", backbone.SizeDivisibility.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (metadata is not null)
            foreach (var (k, v) in metadata) g.SetMetadata(k, v);
        return g;
    }

    /// <summary>Builds the graph and writes it to <paramref name="path"/> atomically.</summary>
    public static void Export(Backbone backbone, string path, int inChannels = 3, IReadOnlyDictionary<string, string>? metadata = null) =>
        Build(backbone, inChannels, metadata).Save(path);
}
