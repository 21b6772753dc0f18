using Rcnn.Onnx.Protos;
using Rcnn.Training.Modeling;

namespace Rcnn.Onnx.Export;

/// <summary>The test-time settings of the box predictor (score threshold, NMS IoU, detections per image; negative keeps all).</summary>
internal sealed record FastRcnnTestSettings(double ScoreThresh, double NmsThresh, int DetectionsPerImage);

/// <summary>
/// FastRcnnOutputLayers.Inference for one image in-graph: softmax, class-specific (or agnostic) decoding, clipping,
/// scores strictly above the threshold, per-class NMS with NonMaxSuppression and the top detections by score, in
/// <c>FastRcnnInference</c>'s order (score descending, ties by (roi, class) row-major position).
/// </summary>
internal static class FastRcnnInferenceExporter
{
    public static (string Boxes, string Scores, string Classes) Emit(OnnxGraphBuilder g, Box2BoxTransform transform, int numClasses,
        bool agnostic, FastRcnnTestSettings test, string logits, string deltas, string proposals, string imageSize, string path)
    {
        var o = new GraphOps(g, path);
        var probs = o.Op("Softmax", "Softmax", new[] { logits }, OnnxAttribute.Int("axis", -1));
        var scores = o.Slice("Foreground", probs, 0, numClasses, 1);                           // [R, K]
        var boxes = Clip(o, Decode(o, transform, deltas, proposals, agnostic ? 1 : numClasses), imageSize);               // [R, K', 4]

        // Candidates failing the threshold get -1, below NMS's own threshold, so only our strict '>' decides.
        var passes = o.Op("Greater", "AboveThreshold", scores, o.Float("score_thresh", (float)test.ScoreThresh));
        var masked = o.Op("Where", "MaskScores", passes, scores, o.Float("rejected", -1f));
        var classScores = o.Op("Transpose", "ScoresByClass", new[] { masked }, OnnxAttribute.Ints("perm", 1, 0));  // [K, R]
        var roiCount = o.Dim("RoiCount", proposals, 0);
        var iou = o.Floats("iou_threshold", (float)test.NmsThresh);
        var minScore = o.Floats("nms_score_threshold", -0.5f);
        string selected;
        long classColumn;
        // Class-specific boxes differ per class, so each class is its own NMS "batch"; agnostic boxes share one batch.
        if (!agnostic)
        {
            var perClassBoxes = o.Op("Transpose", "BoxesByClass", new[] { boxes }, OnnxAttribute.Ints("perm", 1, 0, 2));
            selected = o.Op("NonMaxSuppression", "Nms", perClassBoxes, o.Unsqueeze("NmsScores", classScores, 1), roiCount, iou, minScore);
            classColumn = 0;
        }
        else
        {
            var shared = o.Op("Transpose", "SharedBoxes", new[] { boxes }, OnnxAttribute.Ints("perm", 1, 0, 2));
            selected = o.Op("NonMaxSuppression", "Nms", shared, o.Unsqueeze("NmsScores", classScores, 0), roiCount, iou, minScore);
            classColumn = 1;
        }
        var cls = o.Gather("SelectedClass", selected, o.Int("class_column", classColumn), 1);
        var roi = o.Gather("SelectedRoi", selected, o.Int("roi_column", 2), 1);
        var pair = o.Concat("RoiClassPairs", 1, o.Unsqueeze("RoiCol", roi, 1), o.Unsqueeze("ClassCol", cls, 1));
        var boxPair = agnostic
            ? o.Concat("RoiZeroPairs", 1, o.Unsqueeze("RoiCol2", roi, 1), o.Unsqueeze("ZeroCol", o.Op("Sub", "Zeros", cls, cls), 1))
            : pair;
        var candScores = o.Op("GatherND", "CandidateScores", scores, pair);
        var candBoxes = o.Op("GatherND", "CandidateBoxes", boxes, boxPair);

        // Reference order: candidates are (roi, class) row-major; the kept ones are sorted by score with ties by that
        // position. TopK breaks ties by lower index, so sort by position first, then by score.
        var position = o.Op("Add", "Position", o.Op("Mul", "RoiTimesK", roi, o.Int("num_classes", numClasses)), cls);
        var n = o.Dim("CandidateCount", position, 0);
        var byPosition = o.Ops("TopK", "SortByPosition", new[] { position, n }, 2,
            OnnxAttribute.Int("largest", 0), OnnxAttribute.Int("sorted", 1))[1];
        var sortedScores = o.Gather("ScoresByPosition", candScores, byPosition);
        var k = test.DetectionsPerImage < 0 ? n : o.Op("Min", "TopCount", n, o.Ints("detections_per_image", test.DetectionsPerImage));
        var best = o.Ops("TopK", "TopByScore", new[] { sortedScores, k }, 2,
            OnnxAttribute.Int("largest", 1), OnnxAttribute.Int("sorted", 1))[1];
        var final = o.Gather("FinalOrder", byPosition, best);
        return (o.Gather("DetBoxes", candBoxes, final), o.Gather("DetScores", candScores, final), o.Gather("DetClasses", cls, final));
    }

    /// <summary>Box2BoxTransform.ApplyDeltas in float32: [R, K', 4] boxes from deltas [R, 4K'] against proposals [R, 4].</summary>
    internal static string Decode(GraphOps o, Box2BoxTransform t, string deltas, string proposals, long regClasses)
    {
        var p = o.Ops("Split", "SplitProposals", new[] { o.Reshape("Proposals3d", proposals, -1, 1, 4) }, 4, OnnxAttribute.Int("axis", 2));
        var width = o.Op("Sub", "Widths", p[2], p[0]);
        var height = o.Op("Sub", "Heights", p[3], p[1]);
        var half = o.Float("half", 0.5f);
        var ctrX = o.Op("Add", "CtrX", p[0], o.Op("Mul", "HalfWidth", half, width));
        var ctrY = o.Op("Add", "CtrY", p[1], o.Op("Mul", "HalfHeight", half, height));
        var d = o.Ops("Split", "SplitDeltas", new[] { o.Reshape("Deltas3d", deltas, -1, regClasses, 4) }, 4, OnnxAttribute.Int("axis", 2));
        var (wx, wy, ww, wh) = t.Weights;
        var clamp = o.Float("scale_clamp", (float)t.ScaleClamp);
        var dx = o.Op("Div", "Dx", d[0], o.Float("wx", (float)wx));
        var dy = o.Op("Div", "Dy", d[1], o.Float("wy", (float)wy));
        var dw = o.Op("Min", "DwClamped", o.Op("Div", "Dw", d[2], o.Float("ww", (float)ww)), clamp);
        var dh = o.Op("Min", "DhClamped", o.Op("Div", "Dh", d[3], o.Float("wh", (float)wh)), clamp);
        var cx = o.Op("Add", "PredCtrX", o.Op("Mul", "DxW", dx, width), ctrX);
        var cy = o.Op("Add", "PredCtrY", o.Op("Mul", "DyH", dy, height), ctrY);
        var pw = o.Op("Mul", "PredW", o.Op("Exp", "ExpDw", dw), width);
        var ph = o.Op("Mul", "PredH", o.Op("Exp", "ExpDh", dh), height);
        var hw = o.Op("Mul", "HalfPredW", half, pw);
        var hh = o.Op("Mul", "HalfPredH", half, ph);
        return o.Concat("DecodedBoxes", 2,
            o.Op("Sub", "PredX0", cx, hw), o.Op("Sub", "PredY0", cy, hh), o.Op("Add", "PredX1", cx, hw), o.Op("Add", "PredY1", cy, hh));
    }

    /// <summary>Clamps x to [0, width] and y to [0, height]; <paramref name="imageSize"/> is int64 [2] (height, width).</summary>
    internal static string Clip(GraphOps o, string boxes, string imageSize)
    {
        var hw = o.Cast("ImageSizeFloat", imageSize, TensorProto.Types.DataType.Float);
        var limits = o.Gather("ClipLimits", hw, o.Ints("wh_order", 1, 0, 1, 0));   // (W, H, W, H)
        return o.Op("Min", "ClipMax", o.Op("Max", "ClipMin", boxes, o.Float("zero", 0f)), limits);
    }
}
