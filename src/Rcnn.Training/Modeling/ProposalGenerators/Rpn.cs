using Rcnn.Training.Modeling.AnchorGenerators;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.ProposalGenerators;

/// <summary>
/// detectron2's Region Proposal Network (modeling/proposal_generator/rpn.py): a shared head predicts objectness and
/// anchor deltas on every level; training labels and samples anchors against the ground truth for the two losses;
/// proposals come from decoding the deltas and <see cref="ProposalUtils.FindTopRpnProposals"/>.
/// </summary>
public sealed partial class Rpn : ProposalGenerator
{
    /// <summary>Key of the objectness loss: binary cross-entropy over the sampled anchors.</summary>
    public const string LossClsKey = "loss_rpn_cls";
    /// <summary>Key of the box-regression loss over the positive anchors.</summary>
    public const string LossLocKey = "loss_rpn_loc";

    private readonly string[] inFeatures;

    // Field names are the checkpoint names (proposal_generator.rpn_head.*, as detectron2).
    private readonly StandardRpnHead rpn_head;
    private readonly DefaultAnchorGenerator anchor_generator;

    /// <param name="inFeatures">Feature maps to use, in level order (e.g. p2..p6).</param>
    /// <param name="preNmsTopk">Per-level top-k before NMS, in training and in inference.</param>
    /// <param name="postNmsTopk">Proposals kept per image after NMS, in training and in inference.</param>
    /// <param name="minBoxSize">Proposals with a side &lt;= this (after clipping) are dropped.</param>
    /// <param name="anchorBoundaryThresh">Anchors reaching more than this many pixels outside the image are ignored
    /// in training; negative keeps them all.</param>
    /// <param name="lossWeight">Multipliers of loss_rpn_cls and loss_rpn_loc; (1, 1) when null.</param>
    /// <param name="boxRegLossType">"smooth_l1" or "giou".</param>
    /// <param name="smoothL1Beta">Smooth-L1 beta; 0 is plain L1.</param>
    public Rpn(
        IReadOnlyList<string> inFeatures,
        StandardRpnHead head,
        DefaultAnchorGenerator anchorGenerator,
        Matcher anchorMatcher,
        Box2BoxTransform box2BoxTransform,
        int batchSizePerImage,
        double positiveFraction,
        (int Train, int Test) preNmsTopk,
        (int Train, int Test) postNmsTopk,
        double nmsThresh = 0.7,
        double minBoxSize = 0.0,
        double anchorBoundaryThresh = -1.0,
        (double Cls, double Loc)? lossWeight = null,
        string boxRegLossType = "smooth_l1",
        double smoothL1Beta = 0.0) : base(nameof(Rpn))
    {
        ArgumentNullException.ThrowIfNull(inFeatures);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(anchorGenerator);
        ArgumentNullException.ThrowIfNull(anchorMatcher);
        ArgumentNullException.ThrowIfNull(box2BoxTransform);
        if (inFeatures.Count == 0 || inFeatures.Distinct().Count() != inFeatures.Count)
            throw new ArgumentException($"inFeatures must name distinct feature maps, got [{string.Join(", ", inFeatures)}].", nameof(inFeatures));
        if (anchorGenerator.Strides.Count != inFeatures.Count)
            throw new ArgumentException(
                $"The anchor generator has {anchorGenerator.Strides.Count} levels but inFeatures names {inFeatures.Count}: [{string.Join(", ", inFeatures)}].",
                nameof(anchorGenerator));
        if (anchorGenerator.NumCellAnchors.Any(a => a != head.NumAnchors))
            throw new ArgumentException(
                $"The head predicts {head.NumAnchors} anchors per position but the anchor generator has [{string.Join(", ", anchorGenerator.NumCellAnchors)}] per level.",
                nameof(head));
        if (head.BoxDim != anchorGenerator.BoxDim)
            throw new ArgumentException($"The head predicts {head.BoxDim} box deltas but anchors have {anchorGenerator.BoxDim} coordinates.", nameof(head));
        if (batchSizePerImage <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSizePerImage), batchSizePerImage, "batchSizePerImage must be positive.");
        if (!(positiveFraction >= 0 && positiveFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(positiveFraction), positiveFraction, "positiveFraction must be in [0, 1].");
        if (preNmsTopk.Train <= 0 || preNmsTopk.Test <= 0)
            throw new ArgumentOutOfRangeException(nameof(preNmsTopk), preNmsTopk, "preNmsTopk values must be positive.");
        if (postNmsTopk.Train <= 0 || postNmsTopk.Test <= 0)
            throw new ArgumentOutOfRangeException(nameof(postNmsTopk), postNmsTopk, "postNmsTopk values must be positive.");
        if (double.IsNaN(nmsThresh)) throw new ArgumentOutOfRangeException(nameof(nmsThresh), nmsThresh, "nmsThresh must be a number.");
        if (!(minBoxSize >= 0)) throw new ArgumentOutOfRangeException(nameof(minBoxSize), minBoxSize, "minBoxSize must be >= 0.");
        if (double.IsNaN(anchorBoundaryThresh))
            throw new ArgumentOutOfRangeException(nameof(anchorBoundaryThresh), anchorBoundaryThresh, "anchorBoundaryThresh must be a number.");
        var weights = lossWeight ?? (1.0, 1.0);
        if (!(weights.Cls >= 0) || !(weights.Loc >= 0))
            throw new ArgumentOutOfRangeException(nameof(lossWeight), lossWeight, "Loss weights must be >= 0.");
        if (boxRegLossType is not ("smooth_l1" or "giou"))
            throw new ArgumentException($"boxRegLossType must be \"smooth_l1\" or \"giou\", got \"{boxRegLossType}\".", nameof(boxRegLossType));
        if (!(smoothL1Beta >= 0)) throw new ArgumentOutOfRangeException(nameof(smoothL1Beta), smoothL1Beta, "smoothL1Beta must be >= 0.");

        this.inFeatures = inFeatures.ToArray();
        rpn_head = head;
        anchor_generator = anchorGenerator;
        AnchorMatcher = anchorMatcher;
        Box2BoxTransform = box2BoxTransform;
        BatchSizePerImage = batchSizePerImage;
        PositiveFraction = positiveFraction;
        PreNmsTopk = preNmsTopk;
        PostNmsTopk = postNmsTopk;
        NmsThresh = nmsThresh;
        MinBoxSize = minBoxSize;
        AnchorBoundaryThresh = anchorBoundaryThresh;
        LossWeight = weights;
        BoxRegLossType = boxRegLossType;
        SmoothL1Beta = smoothL1Beta;
        RegisterComponents();
    }

    /// <summary>The feature maps read, one anchor level each, in level order (MODEL.RPN.IN_FEATURES).</summary>
    public IReadOnlyList<string> InFeatures => this.inFeatures;
    /// <summary>The head shared by all levels (module <c>rpn_head</c>).</summary>
    public StandardRpnHead Head => rpn_head;
    /// <summary>Lays the anchors on each level's grid (module <c>anchor_generator</c>, no parameters).</summary>
    public DefaultAnchorGenerator AnchorGenerator => anchor_generator;
    /// <summary>Labels anchors by IoU with the ground truth (MODEL.RPN.IOU_THRESHOLDS / IOU_LABELS; FromConfig allows
    /// low-quality matches).</summary>
    public Matcher AnchorMatcher { get; }
    /// <summary>Encodes and decodes the anchor deltas (MODEL.RPN.BBOX_REG_WEIGHTS).</summary>
    public Box2BoxTransform Box2BoxTransform { get; }
    /// <summary>Anchors sampled per image for the losses, and the per-image loss divisor
    /// (MODEL.RPN.BATCH_SIZE_PER_IMAGE).</summary>
    public int BatchSizePerImage { get; }
    /// <summary>Target fraction of positives among the sampled anchors (MODEL.RPN.POSITIVE_FRACTION).</summary>
    public double PositiveFraction { get; }
    /// <summary>Per level and image, the top-scoring proposals kept before NMS (MODEL.RPN.PRE_NMS_TOPK_TRAIN /
    /// PRE_NMS_TOPK_TEST).</summary>
    public (int Train, int Test) PreNmsTopk { get; }
    /// <summary>Proposals kept per image after NMS (MODEL.RPN.POST_NMS_TOPK_TRAIN / POST_NMS_TOPK_TEST).</summary>
    public (int Train, int Test) PostNmsTopk { get; }
    /// <summary>IoU threshold of the proposals' NMS, run per level (MODEL.RPN.NMS_THRESH).</summary>
    public double NmsThresh { get; }
    /// <summary>Proposals with a side &lt;= this after clipping are dropped (PROPOSAL_GENERATOR.MIN_SIZE).</summary>
    public double MinBoxSize { get; }
    /// <summary>In training, anchors reaching more than this many pixels outside the image are ignored; negative keeps
    /// them all (MODEL.RPN.BOUNDARY_THRESH).</summary>
    public double AnchorBoundaryThresh { get; }
    /// <summary>Multipliers of loss_rpn_cls and loss_rpn_loc (from the config: LOSS_WEIGHT and
    /// BBOX_REG_LOSS_WEIGHT x LOSS_WEIGHT).</summary>
    public (double Cls, double Loc) LossWeight { get; }
    /// <summary>"smooth_l1" (on the deltas) or "giou" (on the decoded boxes) (MODEL.RPN.BBOX_REG_LOSS_TYPE).</summary>
    public string BoxRegLossType { get; }
    /// <summary>Smooth-L1 beta of the box loss; 0 is plain L1 (MODEL.RPN.SMOOTH_L1_BETA).</summary>
    public double SmoothL1Beta { get; }

    /// <summary>
    /// Runs the head on each <see cref="InFeatures"/> map ((N, C, Hi, Wi)) and flattens its outputs in the anchors'
    /// (Hi, Wi, A) order: per level (N, Hi*Wi*A) objectness logits and (N, Hi*Wi*A, 4) deltas. Returns per image up to
    /// the post-NMS top-k proposals (see <see cref="PredictProposals"/>); in training also the scalar
    /// <see cref="LossClsKey"/> and <see cref="LossLocKey"/> losses, which need <paramref name="gtInstances"/>
    /// (one per image, with <c>gt_boxes</c>); in inference no losses.
    /// </summary>
    public override (List<Instances> Proposals, Dictionary<string, Tensor> Losses) Forward(
        ImageList images, IReadOnlyDictionary<string, Tensor> features, IReadOnlyList<Instances>? gtInstances = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(features);
        if (training)
        {
            if (gtInstances is null)
                throw new ArgumentNullException(nameof(gtInstances), "The RPN needs gtInstances (with gt_boxes) in training.");
            if (gtInstances.Count != images.Count)
                throw new ArgumentException($"Got {gtInstances.Count} gtInstances for {images.Count} images.", nameof(gtInstances));
        }

        using var scope = NewDisposeScope();
        var levelFeatures = this.inFeatures.Select(name => features.TryGetValue(name, out var f)
            ? f
            : throw new ArgumentException(
                $"The RPN reads feature '{name}', but features has only [{string.Join(", ", features.Keys)}].", nameof(features))).ToList();
        var anchors = anchor_generator.forward(levelFeatures);
        var (rawLogits, rawDeltas) = rpn_head.call(levelFeatures);
        int boxDim = anchor_generator.BoxDim;
        // (N, A, Hi, Wi) -> (N, Hi*Wi*A) and (N, A*B, Hi, Wi) -> (N, Hi*Wi*A, B): the anchors' (H, W, A) order.
        var logits = rawLogits.Select(x => x.permute(0, 2, 3, 1).flatten(1)).ToList();
        var deltas = rawDeltas.Select(x => x.view(x.shape[0], -1, boxDim, x.shape[^2], x.shape[^1])
            .permute(0, 3, 4, 1, 2).flatten(1, -2)).ToList();

        var losses = new Dictionary<string, Tensor>();
        if (training)
        {
            var (gtLabels, gtBoxes) = LabelAndSampleAnchors(anchors, gtInstances!);
            foreach (var (key, value) in ComputeLosses(anchors, logits, gtLabels, deltas, gtBoxes))
                losses[key] = value.MoveToOuterDisposeScope();
        }

        var proposals = PredictProposals(anchors, logits, deltas, images.ImageSizes);
        foreach (var p in proposals)
        {
            p.ProposalBoxes.Tensor.MoveToOuterDisposeScope();
            p.ObjectnessLogits.MoveToOuterDisposeScope();
        }
        return (proposals, losses);
    }

    /// <summary>Decodes every level's deltas on its anchors (no gradient) and picks the top proposals per image.</summary>
    public List<Instances> PredictProposals(IReadOnlyList<Boxes> anchors, IReadOnlyList<Tensor> predObjectnessLogits,
        IReadOnlyList<Tensor> predAnchorDeltas, IReadOnlyList<(int Height, int Width)> imageSizes)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var decoded = DecodeProposals(anchors, predAnchorDeltas);
        var result = ProposalUtils.FindTopRpnProposals(decoded, predObjectnessLogits, imageSizes, NmsThresh,
            training ? PreNmsTopk.Train : PreNmsTopk.Test, training ? PostNmsTopk.Train : PostNmsTopk.Test, MinBoxSize, training);
        foreach (var p in result)
        {
            p.ProposalBoxes.Tensor.MoveToOuterDisposeScope();
            p.ObjectnessLogits.MoveToOuterDisposeScope();
        }
        return result;
    }

    /// <summary>Per level, (N, Hi*Wi*A, B) boxes: each image's deltas applied to the shared anchors.</summary>
    private List<Tensor> DecodeProposals(IReadOnlyList<Boxes> anchors, IReadOnlyList<Tensor> predAnchorDeltas)
    {
        var result = new List<Tensor>(anchors.Count);
        for (int level = 0; level < anchors.Count; level++)
        {
            var d = predAnchorDeltas[level];
            long n = d.shape[0], b = anchors[level].Tensor.shape[1];
            var a = anchors[level].Tensor.unsqueeze(0).expand(n, -1, -1).reshape(-1, b);
            result.Add(Box2BoxTransform.ApplyDeltas(d.reshape(-1, b), a).view(n, -1, b));
        }
        return result;
    }
}
