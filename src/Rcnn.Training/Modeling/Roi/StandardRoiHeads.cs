using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Roi;

/// <summary>
/// detectron2's <c>StandardROIHeads</c> (box branch): pool each proposal from IN_FEATURES (<c>box_pooler</c>), run the
/// box head (<c>box_head</c>) and the predictor (<c>box_predictor</c>). Training samples and labels the proposals first
/// and returns them with the losses; inference returns the detections.
/// </summary>
[RegisterModule(RegistryKind.RoiHeads, "StandardROIHeads")]
public sealed class StandardRoiHeads : RoiHeads
{
    private readonly RoiPooler box_pooler;
    private readonly nn.Module<Tensor, Tensor> box_head;
    private readonly FastRcnnOutputLayers box_predictor;
    private readonly string[] inFeatures;

    /// <summary>Registers <c>box_pooler</c>, <c>box_head</c> and <c>box_predictor</c> and builds the
    /// <see cref="Sampler"/>.</summary>
    /// <param name="numClasses">K (MODEL.ROI_HEADS.NUM_CLASSES); must equal <paramref name="boxPredictor"/>'s.</param>
    /// <param name="batchSizePerImage">ROIs sampled per image (MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE).</param>
    /// <param name="positiveFraction">Target foreground fraction (MODEL.ROI_HEADS.POSITIVE_FRACTION).</param>
    /// <param name="proposalMatcher">Labels the proposals by IoU with the ground truth.</param>
    /// <param name="proposalAppendGt">Whether the gt boxes join the proposals before sampling
    /// (MODEL.ROI_HEADS.PROPOSAL_APPEND_GT).</param>
    /// <param name="inFeatures">The feature maps the ROIs are pooled from, finest first (e.g. p2..p5).</param>
    /// <param name="boxPooler">Pools (R, C, P, P) regions, each from the level its size selects.</param>
    /// <param name="boxHead">Maps the pooled regions to the predictor's input, e.g. (R, FC_DIM).</param>
    /// <param name="boxPredictor">Predicts class logits and box deltas from the box head's output.</param>
    /// <param name="trainOnPredBoxes">See <see cref="TrainOnPredBoxes"/>.</param>
    public StandardRoiHeads(int numClasses, int batchSizePerImage, double positiveFraction, Matcher proposalMatcher,
        bool proposalAppendGt, IReadOnlyList<string> inFeatures, RoiPooler boxPooler, nn.Module<Tensor, Tensor> boxHead,
        FastRcnnOutputLayers boxPredictor, bool trainOnPredBoxes = false)
        : base(nameof(StandardRoiHeads))
    {
        ArgumentNullException.ThrowIfNull(inFeatures);
        if (inFeatures.Count == 0) throw new ArgumentException("The box branch needs at least one input feature.", nameof(inFeatures));
        box_pooler = boxPooler ?? throw new ArgumentNullException(nameof(boxPooler));
        box_head = boxHead ?? throw new ArgumentNullException(nameof(boxHead));
        box_predictor = boxPredictor ?? throw new ArgumentNullException(nameof(boxPredictor));
        if (boxPredictor.NumClasses != numClasses)
            throw new ArgumentException($"box_predictor has {boxPredictor.NumClasses} classes but numClasses is {numClasses}.", nameof(boxPredictor));
        Sampler = new RoiSampler(numClasses, batchSizePerImage, positiveFraction, proposalMatcher, proposalAppendGt);
        this.inFeatures = inFeatures.ToArray();
        TrainOnPredBoxes = trainOnPredBoxes;
        register_module("box_pooler", box_pooler);
        register_module("box_head", box_head);
        register_module("box_predictor", box_predictor);
    }

    /// <summary>detectron2's <c>StandardROIHeads.from_config</c> (box branch): pooler scales 1 / stride of each
    /// ROI_HEADS.IN_FEATURES, the box head from the ROI_BOX_HEAD registry on (channels, resolution, resolution), and the
    /// predictor on the box head's output shape.</summary>
    public static StandardRoiHeads FromConfig(RcnnConfig cfg, IReadOnlyDictionary<string, ShapeSpec> inputShape)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (cfg.Model.MaskOn || cfg.Model.KeypointOn)
            throw new ConfigException("Only the box branch of StandardROIHeads is implemented; MODEL.MASK_ON and MODEL.KEYPOINT_ON must be False.",
                cfg.Model.MaskOn ? "MODEL.MASK_ON" : "MODEL.KEYPOINT_ON");
        var heads = cfg.Model.RoiHeads;
        var box = cfg.Model.RoiBoxHead;
        var shapes = RoiHeadsConfigHelpers.InputShapes(heads.InFeatures, inputShape);
        var channels = shapes.Select(s => s.Channels).Distinct().ToArray();
        if (channels.Length != 1)
            throw new ConfigException(
                $"MODEL.ROI_HEADS.IN_FEATURES [{string.Join(", ", heads.InFeatures)}] have different channel counts " +
                $"[{string.Join(", ", shapes.Select(s => s.Channels))}]; one box head is shared, so they must be equal.",
                "MODEL.ROI_HEADS.IN_FEATURES");

        int resolution = box.PoolerResolution;
        var pooler = new RoiPooler(resolution, shapes.Select(s => 1.0 / s.Stride).ToArray(), box.PoolerSamplingRatio, box.PoolerType);
        var pooled = new ShapeSpec(channels[0], 0, resolution, resolution);
        var built = ModelRegistries.Current.RoiBoxHead.Build(cfg, pooled);
        if (built is not nn.Module<Tensor, Tensor> boxHead)
            throw new ConfigException(
                $"The box head '{box.Name}' is a {built.GetType().Name}, not a module from Tensor to Tensor.", "MODEL.ROI_BOX_HEAD.NAME");
        var predictor = FastRcnnOutputLayers.FromConfig(cfg, BoxHeadOutputShape(boxHead, pooled));
        return new StandardRoiHeads(heads.NumClasses, heads.BatchSizePerImage, heads.PositiveFraction,
            RoiHeadsConfigHelpers.ProposalMatcher(cfg), heads.ProposalAppendGt, heads.InFeatures, pooler, boxHead, predictor,
            box.TrainOnPredBoxes);
    }

    /// <summary>Matches, labels and samples the proposals in training.</summary>
    public RoiSampler Sampler { get; }

    /// <summary>The maps the ROIs are pooled from, finest first (MODEL.ROI_HEADS.IN_FEATURES, e.g. p2..p5).</summary>
    public IReadOnlyList<string> InFeatures => inFeatures;

    /// <summary>K, the foreground classes; background is class K.</summary>
    public int NumClasses => Sampler.NumClasses;

    /// <summary>After computing the losses, replace the sampled proposal boxes by the predicted boxes of their gt class
    /// (for heads that run after the box head; detectron2's TRAIN_ON_PRED_BOXES).</summary>
    public bool TrainOnPredBoxes { get; }

    /// <summary>Pools each proposal to (C, P, P) from the level its size selects, P = POOLER_RESOLUTION
    /// (module <c>box_pooler</c>).</summary>
    public RoiPooler BoxPooler => box_pooler;

    /// <summary>Maps (R, C, P, P) pooled regions to per-ROI features, e.g. (R, FC_DIM); module
    /// <c>box_head</c>.</summary>
    public nn.Module<Tensor, Tensor> BoxHead => box_head;

    /// <summary>Class logits and box deltas from the box head's output (module <c>box_predictor</c>).</summary>
    public FastRcnnOutputLayers BoxPredictor => box_predictor;

    /// <summary>See <see cref="RoiSampler.LabelAndSampleProposals"/>.</summary>
    public List<Instances> LabelAndSampleProposals(IReadOnlyList<Instances> proposals, IReadOnlyList<Instances> targets) =>
        Sampler.LabelAndSampleProposals(proposals, targets);

    /// <summary>
    /// Pools the proposals from the IN_FEATURES maps to (R, C, P, P), runs the box head and predicts (R, K + 1) logits
    /// and (R, 4K) deltas ((R, 4) class-agnostic). Training (needs <paramref name="targets"/>) samples the proposals
    /// first and returns them (with <c>gt_classes</c>, and predicted boxes as <c>proposal_boxes</c> under
    /// <see cref="TrainOnPredBoxes"/>) with <c>loss_cls</c> and <c>loss_box_reg</c>; inference returns per image the
    /// detections (<c>pred_boxes</c>, <c>scores</c>, <c>pred_classes</c>) and no losses.
    /// </summary>
    public override (List<Instances> Results, Dictionary<string, Tensor> Losses) Forward(ImageList images,
        IReadOnlyDictionary<string, Tensor> features, IReadOnlyList<Instances> proposals, IReadOnlyList<Instances>? targets = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(proposals);
        var levels = RoiHeadsConfigHelpers.SelectFeatures(features, inFeatures);
        if (training)
        {
            if (targets is null) throw new ArgumentNullException(nameof(targets), "ROI heads need targets in training.");
            var sampled = Sampler.LabelAndSampleProposals(proposals, targets);
            var (scores, deltas) = Predict(levels, sampled);
            var losses = box_predictor.Losses(scores, deltas, sampled);
            if (TrainOnPredBoxes)
            {
                using var _ = no_grad();
                var predicted = box_predictor.PredictBoxesForGtClasses(deltas, sampled);
                for (int i = 0; i < sampled.Count; i++) sampled[i].ProposalBoxes = new Boxes(predicted[i]);
            }
            return (sampled, losses);
        }
        var (s, d) = Predict(levels, proposals);
        return (box_predictor.Inference(s, d, proposals), new Dictionary<string, Tensor>());
    }

    private (Tensor Scores, Tensor Deltas) Predict(IReadOnlyList<Tensor> levels, IReadOnlyList<Instances> proposals)
    {
        var boxFeatures = box_pooler.Forward(levels, proposals.Select(p => p.ProposalBoxes).ToList());
        return box_predictor.call(box_head.call(boxFeatures));
    }

    /// <summary>The box head's output shape: its own <see cref="IBoxHead.OutputShape"/>, or else measured on a probe
    /// batch (in eval mode, so normalisation statistics are left untouched).</summary>
    private static ShapeSpec BoxHeadOutputShape(nn.Module<Tensor, Tensor> head, ShapeSpec pooled)
    {
        if (head is IBoxHead known) return known.OutputShape;
        bool wasTraining = head.training;
        head.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var probe = head.call(zeros(2, pooled.Channels, pooled.Height!.Value, pooled.Width!.Value));
            return probe.dim() switch
            {
                2 => new ShapeSpec((int)probe.shape[1]),
                4 => new ShapeSpec((int)probe.shape[1], 0, (int)probe.shape[2], (int)probe.shape[3]),
                _ => throw new ConfigException(
                    $"The box head's output has shape [{string.Join(", ", probe.shape)}]; expected (N, D) or (N, C, H, W).", "MODEL.ROI_BOX_HEAD.NAME"),
            };
        }
        finally
        {
            head.train(wasTraining);
        }
    }
}
