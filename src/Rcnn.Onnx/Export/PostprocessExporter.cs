using Rcnn.Onnx.Protos;

namespace Rcnn.Onnx.Export;

/// <summary>Postprocessing.DetectorPostprocess in-graph: boxes scaled from the resized image to the input image (factors
/// in float64, applied in float32), clipped to it, and detections left with no area dropped.</summary>
internal static class PostprocessExporter
{
    public static (string Boxes, string Scores, string Classes) Emit(OnnxGraphBuilder g, Preprocessed p, string boxes, string scores,
        string classes, string path = "postprocess")
    {
        var o = new GraphOps(g, path);
        const TensorProto.Types.DataType F64 = TensorProto.Types.DataType.Double, F32 = TensorProto.Types.DataType.Float;
        string Ratio(string name, string output, string input) =>
            o.Cast(name, o.Op("Div", name + "F64", o.Cast(name + "Out", output, F64), o.Cast(name + "In", input, F64)), F32);
        var sx = Ratio("ScaleX", p.InputWidth, p.ResizedWidth);
        var sy = Ratio("ScaleY", p.InputHeight, p.ResizedHeight);
        var factors = o.Concat("Factors", 0, sx, sy, sx, sy);
        var scaled = o.Op("Mul", "Scale", boxes, factors);
        var clipped = FastRcnnInferenceExporter.Clip(o, scaled, o.Concat("InputSize", 0, p.InputHeight, p.InputWidth));
        var x0 = o.Gather("X0", clipped, o.Int("c0", 0), 1);
        var y0 = o.Gather("Y0", clipped, o.Int("c1", 1), 1);
        var x1 = o.Gather("X1", clipped, o.Int("c2", 2), 1);
        var y1 = o.Gather("Y1", clipped, o.Int("c3", 3), 1);
        var zero = o.Float("zero_size", 0f);
        var nonEmpty = o.Op("And", "NonEmpty", o.Op("Greater", "HasWidth", o.Op("Sub", "W", x1, x0), zero),
            o.Op("Greater", "HasHeight", o.Op("Sub", "H", y1, y0), zero));
        string Keep(string name, string x) => o.Op("Compress", name, new[] { x, nonEmpty }, OnnxAttribute.Int("axis", 0));
        return (Keep("KeptBoxes", clipped), Keep("KeptScores", scores), Keep("KeptClasses", classes));
    }
}
