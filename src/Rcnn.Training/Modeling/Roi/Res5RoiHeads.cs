using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling.Backbones;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Roi;

/// <summary>
/// detectron2's <c>Res5ROIHeads</c>, the ROI heads of C4 models: pool each proposal from the single input feature
/// (<c>pooler</c>, res4 at 1/16), run ResNet's fifth stage on it (<c>res5</c>), average over space, then the predictor
/// (<c>box_predictor</c>). The res5 keys read <c>res5.0.conv1.weight</c> as in detectron2 checkpoints.
/// </summary>
[RegisterModule(RegistryKind.RoiHeads, "Res5ROIHeads")]
public sealed class Res5RoiHeads : RoiHeads
{
    private readonly RoiPooler pooler;
    private readonly nn.Module<Tensor, Tensor> res5;
    private readonly FastRcnnOutputLayers box_predictor;
    private readonly string[] inFeatures;

    /// <summary>Registers <c>pooler</c>, <c>res5</c> and <c>box_predictor</c>; builds the
    /// <see cref="Sampler"/>.</summary>
    /// <param name="numClasses">K (MODEL.ROI_HEADS.NUM_CLASSES); must equal <paramref name="boxPredictor"/>'s.</param>
    /// <param name="batchSizePerImage">ROIs sampled per image (MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE).</param>
    /// <param name="positiveFraction">Target foreground fraction (MODEL.ROI_HEADS.POSITIVE_FRACTION).</param>
    /// <param name="proposalMatcher">Labels the proposals by IoU with the ground truth.</param>
    /// <param name="proposalAppendGt">Whether the gt boxes join the proposals before sampling
    /// (MODEL.ROI_HEADS.PROPOSAL_APPEND_GT).</param>
    /// <param name="inFeatures">The one feature map the ROIs are pooled from (e.g. res4).</param>
    /// <param name="pooler">Pools (R, C, P, P) regions from that map.</param>
    /// <param name="res5">Maps the pooled regions to (R, D, P / 2, P / 2) (see <see cref="BuildRes5Block"/>).</param>
    /// <param name="boxPredictor">Predicts from the (R, D) spatial mean of the res5 output.</param>
    public Res5RoiHeads(int numClasses, int batchSizePerImage, double positiveFraction, Matcher proposalMatcher,
        bool proposalAppendGt, IReadOnlyList<string> inFeatures, RoiPooler pooler, nn.Module<Tensor, Tensor> res5,
        FastRcnnOutputLayers boxPredictor)
        : base(nameof(Res5RoiHeads))
    {
        ArgumentNullException.ThrowIfNull(inFeatures);
        if (inFeatures.Count != 1)
            throw new ArgumentException($"Res5ROIHeads pools from exactly one feature map, got [{string.Join(", ", inFeatures)}].", nameof(inFeatures));
        this.pooler = pooler ?? throw new ArgumentNullException(nameof(pooler));
        this.res5 = res5 ?? throw new ArgumentNullException(nameof(res5));
        box_predictor = boxPredictor ?? throw new ArgumentNullException(nameof(boxPredictor));
        if (boxPredictor.NumClasses != numClasses)
            throw new ArgumentException($"box_predictor has {boxPredictor.NumClasses} classes but numClasses is {numClasses}.", nameof(boxPredictor));
        Sampler = new RoiSampler(numClasses, batchSizePerImage, positiveFraction, proposalMatcher, proposalAppendGt);
        this.inFeatures = inFeatures.ToArray();
        register_module("pooler", pooler);
        register_module("res5", res5);
        register_module("box_predictor", box_predictor);
    }

    /// <summary>detectron2's <c>Res5ROIHeads.from_config</c>: pooler scale 1 / stride of the one IN_FEATURES entry,
    /// POOLER_RESOLUTION / SAMPLING_RATIO / TYPE, res5 from the RESNETS settings, predictor on (8 x RES2_OUT_CHANNELS, 1, 1).</summary>
    public static Res5RoiHeads FromConfig(RcnnConfig cfg, IReadOnlyDictionary<string, ShapeSpec> inputShape)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (cfg.Model.MaskOn || cfg.Model.KeypointOn)
            throw new ConfigException("Only the box branch of Res5ROIHeads is implemented; MODEL.MASK_ON and MODEL.KEYPOINT_ON must be False.",
                cfg.Model.MaskOn ? "MODEL.MASK_ON" : "MODEL.KEYPOINT_ON");
        var heads = cfg.Model.RoiHeads;
        var box = cfg.Model.RoiBoxHead;
        if (heads.InFeatures.Count != 1)
            throw new ConfigException(
                $"Res5ROIHeads pools from exactly one feature map; MODEL.ROI_HEADS.IN_FEATURES is [{string.Join(", ", heads.InFeatures)}].",
                "MODEL.ROI_HEADS.IN_FEATURES");
        var r = cfg.Model.ResNets;
        if (r.DeformOnPerStage.Count > 0 && r.DeformOnPerStage[^1])
            throw new ConfigException("Deformable convolutions are not supported in the res5 head.", "MODEL.RESNETS.DEFORM_ON_PER_STAGE");
        var shape = RoiHeadsConfigHelpers.InputShapes(heads.InFeatures, inputShape)[0];

        var pooler = new RoiPooler(box.PoolerResolution, [1.0 / shape.Stride], box.PoolerSamplingRatio, box.PoolerType);
        var (res5, outChannels) = BuildRes5Block(r.NumGroups, r.WidthPerGroup, r.Res2OutChannels, r.StrideIn1x1, r.Norm);
        if (shape.Channels != outChannels / 2)
            throw new ConfigException(
                $"res5 takes {outChannels / 2} channels (RES2_OUT_CHANNELS x 4) but '{heads.InFeatures[0]}' has {shape.Channels}.",
                "MODEL.RESNETS.RES2_OUT_CHANNELS");
        var predictor = FastRcnnOutputLayers.FromConfig(cfg, new ShapeSpec(outChannels, 0, 1, 1));
        return new Res5RoiHeads(heads.NumClasses, heads.BatchSizePerImage, heads.PositiveFraction,
            RoiHeadsConfigHelpers.ProposalMatcher(cfg), heads.ProposalAppendGt, heads.InFeatures, pooler, res5, predictor);
    }

    /// <summary>ResNet's fifth stage as the box head: 3 bottleneck blocks, the first with stride 2, output
    /// 8 x RES2_OUT_CHANNELS with 8 x groups x width bottleneck channels, input half the output.</summary>
    public static (nn.Module<Tensor, Tensor> Res5, int OutChannels) BuildRes5Block(int numGroups, int widthPerGroup,
        int res2OutChannels, bool strideIn1x1, string norm)
    {
        const int stageFactor = 8; // res5 has 2^3 times res2's channels
        int bottleneck = numGroups * widthPerGroup * stageFactor;
        int outChannels = res2OutChannels * stageFactor;
        int inChannels = outChannels / 2;
        var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < 3; i++)
        {
            blocks.Add((i.ToString(), new BottleneckBlock(inChannels, outChannels, bottleneck, stride: i == 0 ? 2 : 1,
                numGroups: numGroups, norm: norm, strideIn1x1: strideIn1x1)));
            inChannels = outChannels;
        }
        return (nn.Sequential(blocks), outChannels);
    }

    /// <summary>Matches, labels and samples the proposals in training.</summary>
    public RoiSampler Sampler { get; }

    /// <summary>The single feature map the ROIs are pooled from (MODEL.ROI_HEADS.IN_FEATURES, e.g. res4).</summary>
    public IReadOnlyList<string> InFeatures => inFeatures;

    /// <summary>K, the foreground classes; background is class K.</summary>
    public int NumClasses => Sampler.NumClasses;

    /// <summary>Pools each proposal to (C, P, P), P = POOLER_RESOLUTION (module <c>pooler</c>).</summary>
    public RoiPooler Pooler => pooler;

    /// <summary>ResNet's fifth stage, run on the pooled regions (module <c>res5</c>).</summary>
    public nn.Module<Tensor, Tensor> Res5 => res5;

    /// <summary>Class logits and box deltas from the averaged res5 output (module <c>box_predictor</c>).</summary>
    public FastRcnnOutputLayers BoxPredictor => box_predictor;

    /// <summary>See <see cref="RoiSampler.LabelAndSampleProposals"/>.</summary>
    public List<Instances> LabelAndSampleProposals(IReadOnlyList<Instances> proposals, IReadOnlyList<Instances> targets) =>
        Sampler.LabelAndSampleProposals(proposals, targets);

    /// <summary>
    /// Pools the proposals from the (N, C, H, W) input map to (R, C, P, P), runs res5, averages over space to (R, D)
    /// and predicts (R, K + 1) logits and (R, 4K) deltas. Training (needs <paramref name="targets"/>) samples the
    /// proposals first and returns no instances with <c>loss_cls</c> and <c>loss_box_reg</c>; inference returns per
    /// image the detections (<c>pred_boxes</c>, <c>scores</c>, <c>pred_classes</c>) and no losses.
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
            // detectron2 returns no instances from Res5ROIHeads in training.
            return ([], box_predictor.Losses(scores, deltas, sampled));
        }
        var (s, d) = Predict(levels, proposals);
        return (box_predictor.Inference(s, d, proposals), new Dictionary<string, Tensor>());
    }

    private (Tensor Scores, Tensor Deltas) Predict(IReadOnlyList<Tensor> levels, IReadOnlyList<Instances> proposals)
    {
        var pooled = pooler.Forward(levels, proposals.Select(p => p.ProposalBoxes).ToList());
        var boxFeatures = res5.call(pooled);
        return box_predictor.call(boxFeatures.mean(new long[] { 2, 3 }));
    }
}
