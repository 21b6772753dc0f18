using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Roi;

/// <summary>What the ROI heads' FromConfig and forward share: the proposal matcher and the input-feature lookups.</summary>
internal static class RoiHeadsConfigHelpers
{
    /// <summary>ROI_HEADS.IOU_THRESHOLDS / IOU_LABELS; ROI heads never promote low-quality matches.</summary>
    public static Matcher ProposalMatcher(RcnnConfig cfg) =>
        new(cfg.Model.RoiHeads.IouThresholds, cfg.Model.RoiHeads.IouLabels, allowLowQualityMatches: false);

    public static ShapeSpec[] InputShapes(IReadOnlyList<string> inFeatures, IReadOnlyDictionary<string, ShapeSpec> inputShape)
    {
        if (inFeatures.Count == 0)
            throw new ConfigException("MODEL.ROI_HEADS.IN_FEATURES is empty; name the feature maps to pool from.", "MODEL.ROI_HEADS.IN_FEATURES");
        return inFeatures.Select(f => inputShape.TryGetValue(f, out var s)
            ? s
            : throw new ConfigException(
                $"MODEL.ROI_HEADS.IN_FEATURES names '{f}', but the backbone outputs [{string.Join(", ", inputShape.Keys)}].",
                "MODEL.ROI_HEADS.IN_FEATURES")).ToArray();
    }

    public static Tensor[] SelectFeatures(IReadOnlyDictionary<string, Tensor> features, IReadOnlyList<string> inFeatures) =>
        inFeatures.Select(f => features.TryGetValue(f, out var t)
            ? t
            : throw new ArgumentException(
                $"The ROI heads pool from '{f}', but the features are [{string.Join(", ", features.Keys)}].", nameof(features))).ToArray();
}
