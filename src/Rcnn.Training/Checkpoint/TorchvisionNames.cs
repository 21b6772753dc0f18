using System.Text.RegularExpressions;

namespace Rcnn.Training.Checkpoint;

/// <summary>
/// Renames torchvision checkpoint keys to this project's (detectron2's) module names, so torchvision weights load
/// into detectron2-shaped modules. Returns null for keys that have no counterpart (e.g. the classifier fc).
/// </summary>
public static partial class TorchvisionNames
{
    /// <summary>A torchvision ResNet key (e.g. <c>layer2.0.downsample.1.weight</c>) as a <see cref="Modeling.Backbones.ResNet"/>
    /// key (<c>res3.0.shortcut.norm.weight</c>).</summary>
    public static string? ResNet(string key)
    {
        if (key.StartsWith("fc.")) return null;
        if (key.StartsWith("conv1.")) return "stem." + key;
        if (key.StartsWith("bn1.")) return "stem.conv1.norm." + key["bn1.".Length..];
        var m = LayerKey().Match(key);
        if (!m.Success) return null;
        string prefix = $"res{int.Parse(m.Groups[1].Value) + 1}.{m.Groups[2].Value}.";
        string rest = m.Groups[3].Value;
        rest = BatchNormKey().Replace(rest, "conv$1.norm.");
        rest = rest.Replace("downsample.0.", "shortcut.").Replace("downsample.1.", "shortcut.norm.");
        return prefix + rest;
    }

    /// <summary>A torchvision <c>fasterrcnn_resnet50_fpn</c> key as a GeneralizedRCNN key (detectron2's module names:
    /// backbone.bottom_up / fpn_lateral{s} / fpn_output{s}, proposal_generator.rpn_head, roi_heads.box_head fc1/fc2,
    /// roi_heads.box_predictor). The box predictor's rows still need <see cref="TorchvisionLayout"/>'s reordering.</summary>
    public static string? FasterRcnn(string key)
    {
        if (key.StartsWith("backbone.body."))
            return ResNet(key["backbone.body.".Length..]) is { } r ? "backbone.bottom_up." + r : null;
        var fpn = FpnKey().Match(key);
        if (fpn.Success)
        {
            int stage = int.Parse(fpn.Groups[2].Value) + 2;
            string kind = fpn.Groups[1].Value == "inner_blocks" ? "fpn_lateral" : "fpn_output";
            return $"backbone.{kind}{stage}.{fpn.Groups[3].Value}";
        }
        const string rpn = "rpn.head.";
        if (key.StartsWith(rpn))
        {
            string rest = key[rpn.Length..];
            if (rest.StartsWith("conv.0.0.")) return "proposal_generator.rpn_head.conv." + rest["conv.0.0.".Length..];
            if (rest.StartsWith("cls_logits.")) return "proposal_generator.rpn_head.objectness_logits." + rest["cls_logits.".Length..];
            if (rest.StartsWith("bbox_pred.")) return "proposal_generator.rpn_head.anchor_deltas." + rest["bbox_pred.".Length..];
            return null;
        }
        if (key.StartsWith("roi_heads.box_head.fc6.")) return "roi_heads.box_head.fc1." + key["roi_heads.box_head.fc6.".Length..];
        if (key.StartsWith("roi_heads.box_head.fc7.")) return "roi_heads.box_head.fc2." + key["roi_heads.box_head.fc7.".Length..];
        if (key.StartsWith("roi_heads.box_predictor.cls_score.") || key.StartsWith("roi_heads.box_predictor.bbox_pred.")) return key;
        return null;
    }

    [GeneratedRegex(@"^backbone\.fpn\.(inner_blocks|layer_blocks)\.(\d+)\.0\.(weight|bias)$")]
    private static partial Regex FpnKey();

    [GeneratedRegex(@"^layer([1-4])\.(\d+)\.(.+)$")]
    private static partial Regex LayerKey();

    [GeneratedRegex(@"^bn(\d)\.")]
    private static partial Regex BatchNormKey();
}
