using Rcnn.Training.Modeling.Roi;

namespace Rcnn.Onnx.Export;

/// <summary>
/// The second stage at test time for one image: pool the proposals, run the box head and predictor with the modules'
/// own weights, then <see cref="FastRcnnInferenceExporter"/>. Detections are in the resized (unpadded) image's pixels.
/// </summary>
internal static class RoiHeadsExporter
{
    /// <param name="features">Feature name -> value [1, C, Hi, Wi].</param>
    /// <param name="proposals">float [R, 4] in the resized image's pixels.</param>
    /// <param name="imageSize">int64 [2] (height, width) of the resized image before padding.</param>
    /// <param name="test">Overrides the predictor's own test settings when given.</param>
    public static (string Boxes, string Scores, string Classes) Emit(OnnxGraphBuilder g, RoiHeads heads,
        IReadOnlyDictionary<string, string> features, string proposals, string imageSize, string path = "roi_heads",
        FastRcnnTestSettings? test = null)
    {
        var (logits, deltas, predictor) = heads switch
        {
            StandardRoiHeads standard => EmitStandard(g, standard, features, proposals, path),
            Res5RoiHeads res5 => EmitRes5(g, res5, features, proposals, path),
            _ => throw new NotSupportedException($"Cannot export ROI heads '{path}' of type {heads.GetType().Name} to ONNX: " +
                "only StandardROIHeads and Res5ROIHeads are supported."),
        };
        test ??= new FastRcnnTestSettings(predictor.TestScoreThresh, predictor.TestNmsThresh, predictor.TestTopkPerImage);
        return FastRcnnInferenceExporter.Emit(g, predictor.Box2BoxTransform, predictor.NumClasses, predictor.ClsAgnosticBboxReg,
            test, logits, deltas, proposals, imageSize, ExportPath.Join(path, "inference"));
    }

    /// <summary>FPN heads: multi-level pooling, FastRcnnConvFcHead, predictor.</summary>
    private static (string, string, FastRcnnOutputLayers) EmitStandard(OnnxGraphBuilder g, StandardRoiHeads heads,
        IReadOnlyDictionary<string, string> features, string proposals, string path)
    {
        var pooled = RoiPoolerExporter.Emit(g, heads.BoxPooler, Levels(heads.InFeatures, features, path), proposals, ExportPath.Join(path, "box_pooler"));
        var head = BoxHeadExporter.EmitHead(g, heads.BoxHead, ExportPath.Join(path, "box_head"), pooled);
        var (logits, deltas) = BoxHeadExporter.EmitPredictor(g, heads.BoxPredictor, ExportPath.Join(path, "box_predictor"), head);
        return (logits, deltas, heads.BoxPredictor);
    }

    /// <summary>C4 heads: pooling from res4, the res5 stage on every box, the spatial mean, predictor.</summary>
    private static (string, string, FastRcnnOutputLayers) EmitRes5(OnnxGraphBuilder g, Res5RoiHeads heads,
        IReadOnlyDictionary<string, string> features, string proposals, string path)
    {
        var pooled = RoiPoolerExporter.Emit(g, heads.Pooler, Levels(heads.InFeatures, features, path), proposals, ExportPath.Join(path, "pooler"));
        var res5Path = ExportPath.Join(path, "res5");
        var x = ModuleExporter.Emit(g, heads.Res5, res5Path, pooled);
        var mean = g.AddNode("ReduceMean", ExportPath.Node(res5Path, "SpatialMean"), new[] { x },
            OnnxAttribute.Ints("axes", 2, 3), OnnxAttribute.Int("keepdims", 0));
        var (logits, deltas) = BoxHeadExporter.EmitPredictor(g, heads.BoxPredictor, ExportPath.Join(path, "box_predictor"), mean);
        return (logits, deltas, heads.BoxPredictor);
    }

    private static List<string> Levels(IReadOnlyList<string> inFeatures, IReadOnlyDictionary<string, string> features, string path) =>
        inFeatures.Select(f => features.TryGetValue(f, out var v) ? v
            : throw new ArgumentException($"ROI heads '{path}' read feature '{f}', which the backbone does not give " +
                $"(it gives {string.Join(", ", features.Keys)}).", nameof(features))).ToList();
}
