using Rcnn.Onnx.Export;
using Rcnn.Onnx.Protos;
using Rcnn.Training.Modeling.Backbones;
using Rcnn.Training.Modeling.ProposalGenerators;

namespace Rcnn.Onnx;

/// <summary>
/// Exports backbone + RPN (ProposalNetwork at test time) for one image. Inputs: <c>images</c> [1, C, H, W], already
/// normalised and padded as the backbone expects, and <c>image_size</c> int64 [2], the (height, width) before padding.
/// Outputs: <c>proposals</c> float [R, 4] and <c>objectness_logits</c> [R], by decreasing logit.
/// </summary>
public static class ProposalOnnxExporter
{
    public const string ImagesInput = "images";
    public const string ImageSizeInput = "image_size";
    public const string ProposalsOutput = "proposals";
    public const string LogitsOutput = "objectness_logits";

    public static OnnxGraphBuilder Build(Backbone backbone, Rpn rpn, int inChannels = 3)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(rpn);
        var g = new OnnxGraphBuilder("ProposalNetwork");
        var x = g.AddInput(ImagesInput, TensorProto.Types.DataType.Float, 1, inChannels, "height", "width");
        var size = g.AddInput(ImageSizeInput, TensorProto.Types.DataType.Int64, 2);
        var features = BackboneExporter.Emit(g, backbone, "backbone", x);
        var (proposals, logits) = RpnExporter.Emit(g, rpn, features, size);
        foreach (var (value, name, dims) in new[] { (proposals, ProposalsOutput, new OnnxDim[] { "proposals", 4 }), (logits, LogitsOutput, new OnnxDim[] { "proposals" }) })
        {
            var output = g.AddNode("Identity", name, new[] { value });
            if (output != name) throw new InvalidOperationException($"Output name '{name}' clashes with a value of the graph.");
            g.AddOutput(output, TensorProto.Types.DataType.Float, dims);
        }
        g.SetMetadata("rcnn.graph", "proposal_network");
        return g;
    }

    public static void Export(Backbone backbone, Rpn rpn, string path, int inChannels = 3) => Build(backbone, rpn, inChannels).Save(path);
}
