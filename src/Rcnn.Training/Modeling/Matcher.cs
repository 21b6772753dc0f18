using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling;

/// <summary>
/// detectron2's Matcher: assigns each prediction (anchor or proposal) its best ground-truth element and a label from
/// the quality interval that best match falls in: -1 ignore, 0 negative, 1 positive.
/// </summary>
public sealed class Matcher
{
    private readonly double[] thresholds;
    private readonly sbyte[] labels;

    /// <param name="thresholds">Ascending interval boundaries, the first one positive; -inf and +inf are added at the ends.</param>
    /// <param name="labels">One label per interval (thresholds.Count + 1 of them), each -1, 0 or 1.</param>
    /// <param name="allowLowQualityMatches">
    /// Also label 1 every prediction that ties for some ground truth's highest quality, so no ground truth is left
    /// without a positive (the RPN uses this; ROI heads do not).
    /// </param>
    public Matcher(IReadOnlyList<double> thresholds, IReadOnlyList<int> labels, bool allowLowQualityMatches = false)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(labels);
        if (thresholds.Count == 0 || !(thresholds[0] > 0))
            throw new ArgumentException(
                $"The first Matcher threshold must be positive, got [{string.Join(", ", thresholds)}].", nameof(thresholds));
        for (int i = 1; i < thresholds.Count; i++)
            if (!(thresholds[i - 1] <= thresholds[i]))
                throw new ArgumentException(
                    $"Matcher thresholds must be in ascending order, got [{string.Join(", ", thresholds)}].", nameof(thresholds));
        if (labels.Count != thresholds.Count + 1)
            throw new ArgumentException(
                $"Matcher needs {thresholds.Count + 1} labels for {thresholds.Count} thresholds, got {labels.Count}: [{string.Join(", ", labels)}].",
                nameof(labels));
        foreach (int label in labels)
            if (label is < -1 or > 1)
                throw new ArgumentException(
                    $"Matcher labels must be -1, 0 or 1, got {label} in [{string.Join(", ", labels)}].", nameof(labels));

        this.thresholds = [double.NegativeInfinity, .. thresholds, double.PositiveInfinity];
        this.labels = labels.Select(l => (sbyte)l).ToArray();
        AllowLowQualityMatches = allowLowQualityMatches;
    }

    /// <summary>The interval boundaries including the added -inf and +inf.</summary>
    public IReadOnlyList<double> Thresholds => this.thresholds;

    /// <summary>The label of each interval between consecutive <see cref="Thresholds"/>: -1 ignore, 0 negative,
    /// 1 positive.</summary>
    public IReadOnlyList<sbyte> Labels => this.labels;

    /// <summary>Whether predictions that tie for some ground truth's highest quality are labelled 1 whatever their
    /// interval.</summary>
    public bool AllowLowQualityMatches { get; }

    /// <summary>
    /// Matches an (M ground truth, N predictions) quality matrix (IoU, all values &gt;= 0). Returns (N,) int64 indices of
    /// each prediction's best ground truth and (N,) int8 labels. Quality q falls in interval [low, high) (the comparison
    /// is made in the matrix's dtype). With no ground truth every prediction gets index 0 and the first label.
    /// </summary>
    public (Tensor Matches, Tensor MatchLabels) Match(Tensor matchQualityMatrix)
    {
        var q = matchQualityMatrix;
        if (q.dim() != 2)
            throw new ArgumentException(
                $"matchQualityMatrix must be (M ground truth, N predictions), got shape [{string.Join(", ", q.shape)}].",
                nameof(matchQualityMatrix));
        long n = q.shape[1];
        if (q.numel() == 0)
            return (Scalars.Full([n], 0, ScalarType.Int64, q.device), Scalars.Full([n], this.labels[0], ScalarType.Int8, q.device));

        using var scope = NewDisposeScope();
        if (!q.ge(Scalars.Zero).all().item<bool>())
            throw new ArgumentException("matchQualityMatrix has negative or NaN entries; match quality must be >= 0.",
                nameof(matchQualityMatrix));

        var (matchedVals, matches) = q.max(0);
        var matchLabels = Scalars.Full([n], 1, ScalarType.Int8, q.device);
        for (int i = 0; i < this.labels.Length; i++)
        {
            var inInterval = matchedVals.Ge(this.thresholds[i]).logical_and(matchedVals.Lt(this.thresholds[i + 1]));
            matchLabels.MaskedFill_(inInterval, this.labels[i]);
        }

        if (AllowLowQualityMatches)
        {
            // Every prediction tying for a ground truth's best quality becomes positive, even when that best is 0
            // (detectron2 does not guard that case; callers drop empty ground truth boxes beforehand). The
            // prediction keeps its own argmax as its match.
            var bestPerGt = q.max(1).values;
            var isBestForSomeGt = q.eq(bestPerGt.unsqueeze(1)).any(0);
            matchLabels.masked_fill_(isBestForSomeGt, Scalars.One);
        }

        return (matches.MoveToOuterDisposeScope(), matchLabels.MoveToOuterDisposeScope());
    }
}
