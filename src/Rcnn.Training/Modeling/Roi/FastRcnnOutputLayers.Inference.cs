using Rcnn.Training.Structures;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Roi;

public sealed partial class FastRcnnOutputLayers
{
    /// <summary>
    /// detectron2's <c>FastRCNNOutputLayers.inference</c>: softmax, per-class decoding against each image's
    /// <c>proposal_boxes</c>, then <see cref="FastRcnnInference.SingleImage"/> with this predictor's test settings.
    /// One Instances (pred_boxes, scores, pred_classes) per image, sized like the proposals' image.
    /// </summary>
    public List<Instances> Inference(Tensor scores, Tensor proposalDeltas, IReadOnlyList<Instances> proposals)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        var boxes = PredictBoxes(proposalDeltas, proposals);
        var probs = PredictProbs(scores, proposals);
        var results = new List<Instances>(proposals.Count);
        for (int i = 0; i < proposals.Count; i++)
            results.Add(FastRcnnInference.SingleImage(boxes[i], probs[i], proposals[i].ImageSize,
                TestScoreThresh, TestNmsThresh, TestTopkPerImage).Result);
        return results;
    }
}
