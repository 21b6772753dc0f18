namespace Rcnn.Training.Evaluation;

/// <summary>One detection in COCO results layout (detectron2's instances_to_coco_json): image, dataset category id, XYWH box, score.</summary>
public sealed record CocoDetection(long ImageId, int CategoryId, CocoBox Box, double Score);
