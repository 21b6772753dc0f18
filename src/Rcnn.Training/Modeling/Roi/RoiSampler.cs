using Rcnn.Training.Layers;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Roi;

/// <summary>
/// The training-time ROI selection shared by all ROI heads (detectron2's <c>ROIHeads.label_and_sample_proposals</c>):
/// optionally append the gt boxes, match proposals to gt by IoU, label them, and sample a fixed-size minibatch.
/// </summary>
public sealed class RoiSampler
{
    /// <summary>Stores the sampling settings (MODEL.ROI_HEADS.* in the ROI heads' FromConfig) after checking their
    /// ranges.</summary>
    public RoiSampler(int numClasses, int batchSizePerImage, double positiveFraction, Matcher proposalMatcher, bool proposalAppendGt)
    {
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "NUM_CLASSES must be positive");
        if (batchSizePerImage <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSizePerImage), batchSizePerImage, "BATCH_SIZE_PER_IMAGE must be positive");
        if (!(positiveFraction >= 0 && positiveFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(positiveFraction), positiveFraction, "POSITIVE_FRACTION must be in [0, 1]");
        NumClasses = numClasses;
        BatchSizePerImage = batchSizePerImage;
        PositiveFraction = positiveFraction;
        ProposalMatcher = proposalMatcher ?? throw new ArgumentNullException(nameof(proposalMatcher));
        ProposalAppendGt = proposalAppendGt;
    }

    /// <summary>K, the foreground classes; background ROIs get <c>gt_classes</c> = K.</summary>
    public int NumClasses { get; }
    /// <summary>At most this many ROIs are sampled per image (MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE).</summary>
    public int BatchSizePerImage { get; }
    /// <summary>Target fraction of foreground among the sampled ROIs (MODEL.ROI_HEADS.POSITIVE_FRACTION).</summary>
    public double PositiveFraction { get; }
    /// <summary>Labels proposals by best IoU with the gt (MODEL.ROI_HEADS.IOU_THRESHOLDS / IOU_LABELS).</summary>
    public Matcher ProposalMatcher { get; }
    /// <summary>Whether the gt boxes join the proposals before matching (MODEL.ROI_HEADS.PROPOSAL_APPEND_GT).</summary>
    public bool ProposalAppendGt { get; }

    /// <summary>Random source of the sampling (on the proposals' device); null uses torch's global generator.</summary>
    public Generator? Generator { get; set; }

    /// <summary>Foreground and background ROIs sampled per image by the last call (detectron2 logs their means as
    /// roi_head/num_fg_samples and roi_head/num_bg_samples).</summary>
    public IReadOnlyList<(int Foreground, int Background)> LastSampleCounts { get; private set; } = [];

    /// <summary>
    /// Per image, the sampled proposals (foreground first, then background) with <c>gt_classes</c> (the matched gt's
    /// class, or <see cref="NumClasses"/> for background and for every ROI of an image without gt) and every other
    /// <c>gt_*</c> field of the target taken from the matched gt. An image without gt gets no <c>gt_boxes</c>, as in
    /// detectron2 (the box loss falls back to the proposal boxes, which it never uses for background).
    /// </summary>
    public List<Instances> LabelAndSampleProposals(IReadOnlyList<Instances> proposals, IReadOnlyList<Instances> targets)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count != proposals.Count)
            throw new ArgumentException(
                $"Got {proposals.Count} proposal lists but {targets.Count} targets; both need one entry per image.", nameof(targets));

        using var noGrad = no_grad();
        var withGt = ProposalAppendGt ? GroundTruthProposals.Add(targets, proposals) : proposals.ToList();
        var sampled = new List<Instances>(withGt.Count);
        var counts = new List<(int, int)>(withGt.Count);
        for (int i = 0; i < withGt.Count; i++)
        {
            var (image, fg, bg) = SampleImage(withGt[i], targets[i]);
            sampled.Add(image);
            counts.Add((fg, bg));
        }
        LastSampleCounts = counts;
        return sampled;
    }

    private (Instances Sampled, int NumFg, int NumBg) SampleImage(Instances proposals, Instances targets)
    {
        var gtBoxes = GroundTruthProposals.GtBoxesOf(targets, proposals.ProposalBoxes.Device);
        bool hasGt = gtBoxes.Count > 0;
        var proposalBoxes = proposals.ProposalBoxes;
        var (matchedIdxs, matchedLabels) = ProposalMatcher.Match(Boxes.PairwiseIou(gtBoxes, proposalBoxes));

        Tensor gtClasses;
        if (hasGt)
        {
            gtClasses = targets.GtClasses.to_type(ScalarType.Int64).to(matchedIdxs.device).index_select(0, matchedIdxs);
            gtClasses.MaskedFill_(matchedLabels.eq(Scalars.Zero), NumClasses);
            gtClasses.masked_fill_(matchedLabels.eq(Scalars.MinusOne), Scalars.MinusOne);
        }
        else
            gtClasses = Scalars.Full([matchedIdxs.shape[0]], NumClasses, ScalarType.Int64, matchedIdxs.device);

        var (fgIdx, bgIdx) = Sampling.SubsampleLabels(gtClasses, BatchSizePerImage, PositiveFraction, NumClasses, Generator);
        var sampledIdxs = cat(new[] { fgIdx, bgIdx }, 0);

        var result = proposals[sampledIdxs];
        result.GtClasses = gtClasses.index_select(0, sampledIdxs);
        if (hasGt)
        {
            var sampledTargets = matchedIdxs.index_select(0, sampledIdxs);
            foreach (var name in targets.FieldNames)
            {
                if (!name.StartsWith("gt_", StringComparison.Ordinal) || result.Has(name)) continue;
                var value = targets.Get(name);
                if (value is Boxes b) result.Set(name, b[sampledTargets]);
                else result.Set(name, ((Tensor)value).index_select(0, sampledTargets));
            }
        }
        return (result, (int)fgIdx.shape[0], (int)bgIdx.shape[0]);
    }
}
