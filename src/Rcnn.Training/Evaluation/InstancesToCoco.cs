using Rcnn.Training.Structures;
using static TorchSharp.torch;

namespace Rcnn.Training.Evaluation;

/// <summary>
/// detectron2's instances_to_coco_json for boxes: predicted XYXY boxes become XYWH, and contiguous class indices
/// are mapped back to the dataset's category ids.
/// </summary>
public static class InstancesToCoco
{
    /// <param name="imageId">The image's id in the ground truth.</param>
    /// <param name="instances">Predictions in original-image pixels (pred_boxes, scores, pred_classes).</param>
    /// <param name="contiguousToCategoryId">Dataset category id of each contiguous class index.</param>
    public static IReadOnlyList<CocoDetection> Convert(long imageId, Instances instances, IReadOnlyList<int> contiguousToCategoryId)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(contiguousToCategoryId);
        if (instances.Count == 0) return [];
        using var scope = NewDisposeScope();
        // float32 like detectron2, so width = x1 - x0 is rounded in float32 before widening, as BoxMode.convert does.
        var boxes = instances.PredBoxes.Tensor.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        var scores = instances.Scores.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        var classes = instances.PredClasses.detach().cpu().to_type(ScalarType.Int64).contiguous().data<long>().ToArray();
        var result = new CocoDetection[scores.Length];
        for (int i = 0; i < result.Length; i++)
        {
            if (classes[i] < 0 || classes[i] >= contiguousToCategoryId.Count)
                throw new ArgumentException(
                    $"Predicted class {classes[i]} has no dataset category id (the mapping has {contiguousToCategoryId.Count}).",
                    nameof(contiguousToCategoryId));
            float x0 = boxes[4 * i], y0 = boxes[4 * i + 1], x1 = boxes[4 * i + 2], y1 = boxes[4 * i + 3];
            var box = new CocoBox(x0, y0, x1 - x0, y1 - y0);
            result[i] = new CocoDetection(imageId, contiguousToCategoryId[(int)classes[i]], box, scores[i]);
        }
        return result;
    }
}
