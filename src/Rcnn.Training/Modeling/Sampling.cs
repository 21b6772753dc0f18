using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling;

/// <summary>detectron2's minibatch sampling of labelled anchors or proposals.</summary>
public static class Sampling
{
    /// <summary>
    /// Picks at most <paramref name="numSamples"/> elements of a (N,) label vector, aiming for
    /// <paramref name="positiveFraction"/> positives. Positives are labels other than -1 (ignore) and
    /// <paramref name="bgLabel"/>; negatives equal <paramref name="bgLabel"/>. Takes
    /// #pos = min(available, (int)(numSamples * positiveFraction)) and #neg = min(available, numSamples - #pos), each a
    /// uniformly random subset (positives drawn first). Returns the (int64) indices into <paramref name="labels"/>.
    /// </summary>
    /// <param name="generator">Random source for both draws; it must live on <paramref name="labels"/>' device.</param>
    public static (Tensor PosIdx, Tensor NegIdx) SubsampleLabels(
        Tensor labels, int numSamples, double positiveFraction, int bgLabel, Generator? generator = null)
    {
        if (labels.dim() != 1)
            throw new ArgumentException($"labels must be a (N,) vector, got shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (numSamples < 0)
            throw new ArgumentOutOfRangeException(nameof(numSamples), numSamples, "numSamples must be >= 0.");
        if (!(positiveFraction >= 0 && positiveFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(positiveFraction), positiveFraction, "positiveFraction must be in [0, 1].");

        using var scope = NewDisposeScope();
        var positive = labels.ne(Scalars.MinusOne).logical_and(labels.Ne(bgLabel)).nonzero()[.., 0];
        var negative = labels.Eq(bgLabel).nonzero()[.., 0];

        long numPos = Math.Min(positive.shape[0], (long)(numSamples * positiveFraction));
        long numNeg = Math.Min(negative.shape[0], numSamples - numPos);

        var posPerm = randperm(positive.shape[0], device: labels.device, generator: generator)[TensorIndex.Slice(0, numPos)];
        var negPerm = randperm(negative.shape[0], device: labels.device, generator: generator)[TensorIndex.Slice(0, numNeg)];
        return (positive[posPerm].MoveToOuterDisposeScope(), negative[negPerm].MoveToOuterDisposeScope());
    }
}
