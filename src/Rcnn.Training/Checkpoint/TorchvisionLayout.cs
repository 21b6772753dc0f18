using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Checkpoint;

/// <summary>
/// Converts torchvision detector weights to detectron2's layout: torchvision's box predictor has background as class
/// 0 and regresses a box for it; detectron2's has background as the LAST class and no background deltas.
/// </summary>
public static class TorchvisionLayout
{
    /// <summary>cls_score rows [bg, c1..cK] (weight or bias) as [c1..cK, bg].</summary>
    public static Tensor BackgroundFirstToLast(Tensor rows)
    {
        if (rows.shape[0] < 2) throw new ArgumentException($"cls_score needs at least 2 rows, got {rows.shape[0]}.", nameof(rows));
        return cat(new[] { rows[TensorIndex.Slice(1)], rows[TensorIndex.Slice(0, 1)] }, 0);
    }

    /// <summary>bbox_pred rows 4(K+1) with the background's 4 first, as the 4K foreground rows.</summary>
    public static Tensor DropBackgroundDeltas(Tensor rows, int boxDim = 4)
    {
        if (rows.shape[0] % boxDim != 0 || rows.shape[0] < 2 * boxDim)
            throw new ArgumentException($"bbox_pred rows ({rows.shape[0]}) are not {boxDim} x (classes + background).", nameof(rows));
        return rows[TensorIndex.Slice(boxDim)].clone();
    }

    /// <summary>A whole torchvision <c>fasterrcnn_resnet50_fpn</c> state dict, renamed and re-laid-out for
    /// GeneralizedRCNN. Keys with no counterpart are returned separately so callers can report them.</summary>
    public static Dictionary<string, Tensor> ConvertFasterRcnn(IReadOnlyDictionary<string, Tensor> torchvision, out List<string> dropped)
    {
        var result = new Dictionary<string, Tensor>();
        dropped = new List<string>();
        foreach (var (key, value) in torchvision)
        {
            string? name = TorchvisionNames.FasterRcnn(key);
            if (name is null) { dropped.Add(key); continue; }
            result[name] = name.StartsWith("roi_heads.box_predictor.cls_score.") ? BackgroundFirstToLast(value)
                : name.StartsWith("roi_heads.box_predictor.bbox_pred.") ? DropBackgroundDeltas(value)
                : value;
        }
        return result;
    }
}
