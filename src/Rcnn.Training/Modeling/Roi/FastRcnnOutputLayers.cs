using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Structures;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Roi;

/// <summary>
/// The box predictor's two linear layers (detectron2's <c>FastRCNNOutputLayers</c>): <c>cls_score</c> gives K + 1
/// logits with background LAST, <c>bbox_pred</c> gives 4 deltas per foreground class (or 4 when class-agnostic).
/// It also owns the box-head losses (<see cref="Losses"/>) and the per-image post-processing (<see cref="Inference"/>).
/// </summary>
public sealed partial class FastRcnnOutputLayers : nn.Module<Tensor, (Tensor Scores, Tensor ProposalDeltas)>
{
    /// <summary>Smooth-L1 box loss on the deltas (BBOX_REG_LOSS_TYPE "smooth_l1").</summary>
    public const string SmoothL1LossType = "smooth_l1";
    /// <summary>Generalized-IoU box loss on the decoded boxes (BBOX_REG_LOSS_TYPE "giou").</summary>
    public const string GiouLossType = "giou";

    private readonly Linear cls_score;
    private readonly Linear bbox_pred;

    /// <param name="box2BoxTransform">Decodes and encodes the deltas; null means detectron2's box-head default weights (10, 10, 5, 5).</param>
    /// <param name="boxRegLossType"><c>smooth_l1</c> (on the deltas) or <c>giou</c> (on the decoded boxes).</param>
    /// <param name="testTopkPerImage">Detections kept per image; negative keeps all.</param>
    public FastRcnnOutputLayers(int inputSize, int numClasses, bool clsAgnosticBboxReg = false, int boxDim = 4,
        Box2BoxTransform? box2BoxTransform = null, double smoothL1Beta = 0.0, string boxRegLossType = SmoothL1LossType,
        double lossClsWeight = 1.0, double lossBoxRegWeight = 1.0,
        double testScoreThresh = 0.0, double testNmsThresh = 0.5, int testTopkPerImage = 100)
        : base(nameof(FastRcnnOutputLayers))
    {
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "must be positive");
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "NUM_CLASSES must be positive");
        if (boxDim != 4) throw new ArgumentOutOfRangeException(nameof(boxDim), boxDim, "only axis-aligned boxes (4 values) are supported");
        if (double.IsNaN(smoothL1Beta) || smoothL1Beta < 0)
            throw new ArgumentOutOfRangeException(nameof(smoothL1Beta), smoothL1Beta, "SMOOTH_L1_BETA must be >= 0");
        if (boxRegLossType is not (SmoothL1LossType or GiouLossType))
            throw new ArgumentException(
                $"Box regression loss '{boxRegLossType}' is not supported; use '{SmoothL1LossType}' or '{GiouLossType}'.", nameof(boxRegLossType));
        if (!(lossClsWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(lossClsWeight), lossClsWeight, "must be >= 0");
        if (!(lossBoxRegWeight >= 0)) throw new ArgumentOutOfRangeException(nameof(lossBoxRegWeight), lossBoxRegWeight, "must be >= 0");
        if (!(testScoreThresh >= 0 && testScoreThresh <= 1))
            throw new ArgumentOutOfRangeException(nameof(testScoreThresh), testScoreThresh, "must be in [0, 1]");
        if (!(testNmsThresh >= 0 && testNmsThresh <= 1))
            throw new ArgumentOutOfRangeException(nameof(testNmsThresh), testNmsThresh, "must be in [0, 1]");

        NumClasses = numClasses;
        ClsAgnosticBboxReg = clsAgnosticBboxReg;
        Box2BoxTransform = box2BoxTransform ?? new Box2BoxTransform((10.0, 10.0, 5.0, 5.0));
        SmoothL1Beta = smoothL1Beta;
        BoxRegLossType = boxRegLossType;
        LossClsWeight = lossClsWeight;
        LossBoxRegWeight = lossBoxRegWeight;
        TestScoreThresh = testScoreThresh;
        TestNmsThresh = testNmsThresh;
        TestTopkPerImage = testTopkPerImage;

        cls_score = nn.Linear(inputSize, numClasses + 1);
        bbox_pred = nn.Linear(inputSize, (clsAgnosticBboxReg ? 1 : numClasses) * boxDim);
        using (no_grad())
        {
            nn.init.normal_(cls_score.weight!, std: 0.01);
            nn.init.normal_(bbox_pred.weight!, std: 0.001);
            cls_score.bias!.zero_();
            bbox_pred.bias!.zero_();
        }
        RegisterComponents();
    }

    /// <summary>detectron2's <c>FastRCNNOutputLayers.from_config</c>: the input size is channels x height x width of
    /// <paramref name="inputShape"/> (missing sizes count as 1).</summary>
    public static FastRcnnOutputLayers FromConfig(RcnnConfig cfg, ShapeSpec inputShape)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        var box = cfg.Model.RoiBoxHead;
        if (box.UseFedLoss || box.UseSigmoidCe)
            throw new ConfigException("Federated / sigmoid cross-entropy box-head losses are not supported; set " +
                "MODEL.ROI_BOX_HEAD.USE_FED_LOSS and USE_SIGMOID_CE to False.",
                box.UseFedLoss ? "MODEL.ROI_BOX_HEAD.USE_FED_LOSS" : "MODEL.ROI_BOX_HEAD.USE_SIGMOID_CE");
        if (box.BboxRegLossType is not (SmoothL1LossType or GiouLossType))
            throw new ConfigException($"MODEL.ROI_BOX_HEAD.BBOX_REG_LOSS_TYPE '{box.BboxRegLossType}' is not supported; " +
                $"use '{SmoothL1LossType}' or '{GiouLossType}'.", "MODEL.ROI_BOX_HEAD.BBOX_REG_LOSS_TYPE");
        var w = box.BboxRegWeights;
        if (w.Count != 4)
            throw new ConfigException($"MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS needs 4 values, got {w.Count}.", "MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS");
        int inputSize = inputShape.Channels * (inputShape.Height ?? 1) * (inputShape.Width ?? 1);
        return new FastRcnnOutputLayers(inputSize, cfg.Model.RoiHeads.NumClasses, box.ClsAgnosticBboxReg,
            box2BoxTransform: new Box2BoxTransform((w[0], w[1], w[2], w[3])),
            smoothL1Beta: box.SmoothL1Beta, boxRegLossType: box.BboxRegLossType,
            lossClsWeight: 1.0, lossBoxRegWeight: box.BboxRegLossWeight,
            testScoreThresh: cfg.Model.RoiHeads.ScoreThreshTest, testNmsThresh: cfg.Model.RoiHeads.NmsThreshTest,
            testTopkPerImage: cfg.Test.DetectionsPerImage);
    }

    /// <summary>K, the foreground classes (MODEL.ROI_HEADS.NUM_CLASSES); class index K is background.</summary>
    public int NumClasses { get; }

    /// <summary>One set of 4 deltas for all classes instead of 4 per class, so (R, 4) rather than (R, 4K)
    /// (MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG).</summary>
    public bool ClsAgnosticBboxReg { get; }

    /// <summary>Encodes and decodes the box deltas (weights: MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS).</summary>
    public Box2BoxTransform Box2BoxTransform { get; }

    /// <summary>Smooth-L1 beta of the box loss; 0 is plain L1 (MODEL.ROI_BOX_HEAD.SMOOTH_L1_BETA).</summary>
    public double SmoothL1Beta { get; }

    /// <summary><see cref="SmoothL1LossType"/> or <see cref="GiouLossType"/>
    /// (ROI_BOX_HEAD.BBOX_REG_LOSS_TYPE).</summary>
    public string BoxRegLossType { get; }

    /// <summary>Multiplier of loss_cls (1 from the config).</summary>
    public double LossClsWeight { get; }

    /// <summary>Multiplier of loss_box_reg (MODEL.ROI_BOX_HEAD.BBOX_REG_LOSS_WEIGHT).</summary>
    public double LossBoxRegWeight { get; }

    /// <summary>A (roi, class) pair is kept only when its probability is strictly above this.</summary>
    public double TestScoreThresh { get; }

    /// <summary>IoU threshold of the per-class NMS in inference (MODEL.ROI_HEADS.NMS_THRESH_TEST).</summary>
    public double TestNmsThresh { get; }

    /// <summary>Detections kept per image, best first; negative keeps all (TEST.DETECTIONS_PER_IMAGE).</summary>
    public int TestTopkPerImage { get; }

    /// <summary>(R, K+1) class logits and (R, 4K) or (R, 4) deltas; x is (R, D) or (R, C, H, W), flattened first.</summary>
    public override (Tensor Scores, Tensor ProposalDeltas) forward(Tensor x)
    {
        if (x.dim() > 2) x = x.flatten(1);
        return (cls_score.call(x), bbox_pred.call(x));
    }

    /// <summary>Per image, the (Ri, 4K) or (Ri, 4) boxes decoded from the deltas against its proposal boxes.</summary>
    public Tensor[] PredictBoxes(Tensor proposalDeltas, IReadOnlyList<Instances> proposals)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        if (proposals.Count == 0) return [];
        var counts = RowCounts(proposalDeltas, proposals, nameof(proposalDeltas));
        var boxes = cat(proposals.Select(p => p.ProposalBoxes.Tensor).ToArray(), 0);
        return Box2BoxTransform.ApplyDeltas(proposalDeltas, boxes).split(counts);
    }

    /// <summary>Per image, the (Ri, K+1) softmax class probabilities.</summary>
    public Tensor[] PredictProbs(Tensor scores, IReadOnlyList<Instances> proposals)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        if (proposals.Count == 0) return [];
        var counts = RowCounts(scores, proposals, nameof(scores));
        return nn.functional.softmax(scores, -1).split(counts);
    }

    /// <summary>
    /// Per image, the (Ri, 4) boxes decoded with each proposal's gt class deltas (background clamped to the last
    /// class), as detectron2's <c>predict_boxes_for_gt_classes</c> used by TRAIN_ON_PRED_BOXES.
    /// </summary>
    public Tensor[] PredictBoxesForGtClasses(Tensor proposalDeltas, IReadOnlyList<Instances> proposals)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        if (proposals.Count == 0) return [];
        var counts = RowCounts(proposalDeltas, proposals, nameof(proposalDeltas));
        var boxes = cat(proposals.Select(p => p.ProposalBoxes.Tensor).ToArray(), 0);
        var predicted = Box2BoxTransform.ApplyDeltas(proposalDeltas, boxes);
        long n = boxes.shape[0], k = predicted.shape[1] / 4;
        if (k > 1)
        {
            var gtClasses = cat(proposals.Select(p => p.GtClasses).ToArray(), 0).to_type(ScalarType.Int64).Clamp(0, k - 1);
            var rows = Scalars.Arange(n, ScalarType.Int64, predicted.device).Times(k).Plus(gtClasses);
            predicted = predicted.reshape(-1, 4).index_select(0, rows);
        }
        return predicted.split(counts);
    }

    // One row per proposal, images in order; the counts split the rows back into images.
    private static long[] RowCounts(Tensor rows, IReadOnlyList<Instances> proposals, string argument)
    {
        var counts = proposals.Select(p => (long)p.Count).ToArray();
        long total = counts.Sum();
        if (rows.dim() != 2 || rows.shape[0] != total)
            throw new ArgumentException(
                $"{argument} must have one row per proposal ({total} in all), got shape [{string.Join(", ", rows.shape)}].", argument);
        return counts;
    }
}
