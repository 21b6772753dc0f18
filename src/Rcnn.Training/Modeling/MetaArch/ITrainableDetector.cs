using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.MetaArch;

/// <summary>What the training loop needs from a model: the loss dictionary for a batch (in training mode).</summary>
public interface ITrainableDetector
{
    Dictionary<string, Tensor> Losses(IReadOnlyList<DetectionInput> inputs);
}
