using Rcnn.Onnx.Protos;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling.ProposalGenerators;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Export;

/// <summary>
/// The RPN at test time for one image, from the module's own weights: the shared head on every level, anchors from the
/// feature shapes, delta decoding, then <c>find_top_rpn_proposals</c> (per-level top-k, non-finite drop, clip, min size,
/// NMS by level with NonMaxSuppression, post-NMS top-k by logit), in ProposalUtils' order.
/// </summary>
internal static class RpnExporter
{
    /// <param name="features">Feature name -> value [1, C, Hi, Wi].</param>
    /// <param name="imageSize">int64 [2] (height, width) of the resized image before padding.</param>
    /// <returns>Proposals float [R, 4] in the resized image's pixels and their objectness logits [R], by decreasing logit.</returns>
    public static (string Proposals, string Logits) Emit(OnnxGraphBuilder g, Rpn rpn, IReadOnlyDictionary<string, string> features,
        string imageSize, string path = "proposal_generator")
    {
        ArgumentNullException.ThrowIfNull(rpn);
        var o = new GraphOps(g, path);
        var children = rpn.Head.named_children().ToDictionary(c => c.name, c => c.module);
        var headPath = ExportPath.Join(path, "rpn_head");
        var boxes = new List<string>();
        var scores = new List<string>();
        var levels = new List<string>();
        for (int level = 0; level < rpn.InFeatures.Count; level++)
        {
            var name = rpn.InFeatures[level];
            if (!features.TryGetValue(name, out var feature))
                throw new ArgumentException($"The RPN reads feature '{name}', but the graph has only [{string.Join(", ", features.Keys)}].", nameof(features));
            var lp = ExportPath.Join(headPath, name);
            var t = ModuleExporter.Emit(g, children["conv"], ExportPath.Join(lp, "conv"), feature);
            var logits = Conv1x1(g, (Conv2d)children["objectness_logits"], ExportPath.Join(lp, "objectness_logits"), t);
            var deltas = Conv1x1(g, (Conv2d)children["anchor_deltas"], ExportPath.Join(lp, "anchor_deltas"), t);
            var lo = new GraphOps(g, ExportPath.Join(path, name));
            // [1, A, H, W] -> [H*W*A] and [1, A*4, H, W] -> [H*W*A, 4]: the anchors' (H, W, A) order.
            var flatLogits = lo.Reshape("FlatLogits", lo.Op("Transpose", "LogitsHwa", new[] { logits }, OnnxAttribute.Ints("perm", 0, 2, 3, 1)), -1);
            var deltas5 = lo.Op("Reshape", "Deltas5d", deltas,
                lo.Concat("Deltas5dShape", 0, lo.Ints("lead", 1, -1, 4), lo.Dim("H", deltas, 2), lo.Dim("W", deltas, 3)));
            var flatDeltas = lo.Reshape("FlatDeltas", lo.Op("Transpose", "DeltasHwa", new[] { deltas5 }, OnnxAttribute.Ints("perm", 0, 3, 4, 1, 2)), -1, 4);
            var anchors = AnchorExporter.Emit(g, rpn.AnchorGenerator, level, feature, ExportPath.Join(path, $"anchors_{name}"));
            var decoded = lo.Reshape("Decoded", FastRcnnInferenceExporter.Decode(lo, rpn.Box2BoxTransform, flatDeltas, anchors, 1), -1, 4);

            var k = lo.Op("Min", "PreNmsK", lo.Dim("AnchorCount", flatLogits, 0), lo.Ints("pre_nms_topk", rpn.PreNmsTopk.Test));
            var top = lo.Ops("TopK", "PreNmsTopK", new[] { flatLogits, k }, 2, OnnxAttribute.Int("largest", 1), OnnxAttribute.Int("sorted", 1));
            scores.Add(top[0]);
            boxes.Add(lo.Gather("TopBoxes", decoded, top[1]));
            levels.Add(lo.Op("Expand", "LevelIds", lo.Int("level", level), k));
        }
        var allBoxes = o.Concat("AllBoxes", 0, boxes.ToArray());
        var allScores = o.Concat("AllScores", 0, scores.ToArray());
        var allLevels = o.Concat("AllLevels", 0, levels.ToArray());

        // Inference drops non-finite boxes or scores, judged before clipping (clipping would make an infinite box finite).
        var finite = o.Op("And", "Finite", Finite(o, "Scores", allScores), AllColumns(o, "BoxFinite", Finite(o, "Boxes", allBoxes)));
        var clipped = FastRcnnInferenceExporter.Clip(o, allBoxes, imageSize);
        var keep = o.Op("And", "Keep", finite, NonEmpty(o, clipped, rpn.MinBoxSize));
        var kept = o.Reshape("KeptIndices", o.Op("NonZero", "KeepNonZero", keep), -1);
        var keptBoxes = o.Gather("KeptBoxes", clipped, kept);
        var keptScores = o.Gather("KeptScores", allScores, kept);
        var keptLevels = o.Gather("KeptLevels", allLevels, kept);

        // NMS by level: each level is a NonMaxSuppression class; other levels' entries are pushed below its score threshold.
        var levelIds = o.Reshape("LevelIdColumn", o.Op("Range", "LevelRange", o.Int("zero", 0), o.Int("level_count", rpn.InFeatures.Count), o.Int("one", 1)), -1, 1);
        var inLevel = o.Op("Equal", "InLevel", levelIds, o.Unsqueeze("LevelsRow", keptLevels, 0));         // [L, N]
        var byLevel = o.Op("Where", "ScoresByLevel", inLevel, o.Unsqueeze("ScoresRow", keptScores, 0), o.Float("excluded", -3.0e38f));
        var count = o.Dim("KeptCount", keptScores, 0);
        var selected = o.Op("NonMaxSuppression", "Nms", o.Unsqueeze("NmsBoxes", keptBoxes, 0), o.Unsqueeze("NmsScores", byLevel, 0),
            count, o.Floats("iou_threshold", (float)rpn.NmsThresh), o.Floats("score_threshold", -2.0e38f));
        var index = o.Gather("SelectedIndex", selected, o.Int("box_column", 2), 1);
        var selScores = o.Gather("SelectedScores", keptScores, index);
        var post = o.Op("Min", "PostNmsK", o.Dim("SelectedCount", index, 0), o.Ints("post_nms_topk", rpn.PostNmsTopk.Test));
        var best = o.Ops("TopK", "PostNmsTopK", new[] { selScores, post }, 2, OnnxAttribute.Int("largest", 1), OnnxAttribute.Int("sorted", 1));
        var final = o.Gather("FinalIndex", index, best[1]);
        return (o.Gather("Proposals", keptBoxes, final), best[0]);
    }

    private static string Conv1x1(OnnxGraphBuilder g, Conv2d conv, string path, string x)
    {
        var inputs = new List<string> { x, g.AddInitializer(ExportPath.Join(path, "weight"), conv.weight!.detach()) };
        if (conv.bias is not null) inputs.Add(g.AddInitializer(ExportPath.Join(path, "bias"), conv.bias.detach()));
        return g.AddNode("Conv", ExportPath.Node(path, "Conv"), inputs, OnnxAttribute.Ints("kernel_shape", 1, 1));
    }

    private static string Finite(GraphOps o, string what, string x) =>
        o.Op("Not", $"{what}Finite", o.Op("Or", $"{what}NonFinite", o.Op("IsInf", $"{what}IsInf", x), o.Op("IsNaN", $"{what}IsNaN", x)));

    /// <summary>Row-wise AND of a bool [N, 4].</summary>
    private static string AllColumns(GraphOps o, string name, string x)
    {
        var c = o.Ops("Split", name + "Split", new[] { x }, 4, OnnxAttribute.Int("axis", 1));
        var all = o.Op("And", name + "And3", o.Op("And", name + "And2", o.Op("And", name + "And1", c[0], c[1]), c[2]), c[3]);
        return o.Reshape(name, all, -1);
    }

    /// <summary>Boxes.NonEmpty: width and height both strictly above the threshold.</summary>
    private static string NonEmpty(GraphOps o, string boxes, double threshold)
    {
        var c = o.Ops("Split", "SplitClipped", new[] { boxes }, 4, OnnxAttribute.Int("axis", 1));
        var t = o.Float("min_size", (float)threshold);
        var wide = o.Op("Greater", "Wide", o.Op("Sub", "ClippedW", c[2], c[0]), t);
        var tall = o.Op("Greater", "Tall", o.Op("Sub", "ClippedH", c[3], c[1]), t);
        return o.Reshape("NonEmpty", o.Op("And", "WideAndTall", wide, tall), -1);
    }
}
