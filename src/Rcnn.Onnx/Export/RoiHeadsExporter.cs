using Rcnn.Training.Modeling.RoiHeads;
using RoiHeadsBase = Rcnn.Training.Modeling.RoiHeads.RoiHeads;

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
    public static (string Boxes, string Scores, string Classes) Emit(OnnxGraphBuilder g, RoiHeadsBase heads,
        IReadOnlyDictionary<string, string> features, string proposals, string imageSize, string path = "roi_heads",
        FastRcnnTestSettings? test = null)
    {
        if (heads is not StandardRoiHeads standard)
            throw new NotSupportedException($"Cannot export ROI heads '{path}' of type {heads.GetType().Name} to ONNX: only " +
                "StandardROIHeads (FPN models) is supported; Res5ROIHeads (C4) is not exported yet.");
        var levels = standard.InFeatures.Select(f => features.TryGetValue(f, out var v) ? v
            : throw new ArgumentException($"ROI heads '{path}' read feature '{f}', which the backbone does not give " +
                $"(it gives {string.Join(", ", features.Keys)}).", nameof(features))).ToList();
        var pooled = RoiPoolerExporter.Emit(g, standard.BoxPooler, levels, proposals, ExportPath.Join(path, "box_pooler"));
        var head = BoxHeadExporter.EmitHead(g, standard.BoxHead, ExportPath.Join(path, "box_head"), pooled);
        var predictor = standard.BoxPredictor;
        var (logits, deltas) = BoxHeadExporter.EmitPredictor(g, predictor, ExportPath.Join(path, "box_predictor"), head);
        test ??= new FastRcnnTestSettings(predictor.TestScoreThresh, predictor.TestNmsThresh, predictor.TestTopkPerImage);
        return FastRcnnInferenceExporter.Emit(g, predictor.Box2BoxTransform, predictor.NumClasses, predictor.ClsAgnosticBboxReg,
            test, logits, deltas, proposals, imageSize, ExportPath.Join(path, "inference"));
    }
}
