using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.MetaArch;

/// <summary>What the training loop needs from a model: the loss dictionary for a batch (in training mode).</summary>
public interface ITrainableDetector
{
    /// <summary>The named scalar losses of one training step on <paramref name="inputs"/>, each of which needs
    /// ground-truth <c>Instances</c>; the model must be in training mode. The trainer minimises their sum.</summary>
    Dictionary<string, Tensor> Losses(IReadOnlyList<DetectionInput> inputs);
}
