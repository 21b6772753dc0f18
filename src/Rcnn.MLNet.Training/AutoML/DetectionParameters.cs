using System.Globalization;
using Rcnn.Training.Checkpoint;
using Rcnn.Training.Config;
using Rcnn.MLNet.AutoConfig;

namespace Rcnn.MLNet.AutoML;

/// <summary>One point of the <see cref="DetectionSearchSpace"/>: the settings a trial trains with.</summary>
/// <param name="Pretrained">Fine-tuned from ML.NET's ImageNet ResNet-18 (mlnet://ResNet18, R-18 only, FrozenBN, no norm
/// in the FPN) rather than trained from scratch (GroupNorm in the trunk and the FPN).</param>
/// <param name="FreezeAt">MODEL.BACKBONE.FREEZE_AT of a pretrained trunk; a from-scratch one freezes nothing.</param>
public sealed record DetectionParameters(
    int BackboneDepth,
    double BaseLearningRate,
    int ImageSize,
    IReadOnlyList<double> AnchorSizes,
    int RoiBatchSizePerImage,
    int Iterations,
    int FpnChannels = 256,
    bool Pretrained = false,
    int FreezeAt = 0)
{
    /// <summary>Writes these settings into <paramref name="cfg"/>: the trunk (pretrained: the weights' own trunk, input
    /// convention and FREEZE_AT; from scratch: GroupNorm, nothing frozen), depth (and the res2 width it needs), FPN
    /// width, LR, train/test short side (long side capped at 1333/800 of it), one anchor size per FPN level, ROI batch,
    /// and a <see cref="BudgetSchedule"/> of <see cref="Iterations"/>.</summary>
    public void ApplyTo(RcnnConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        if (Pretrained && BackboneDepth != 18)
            throw new ArgumentException($"Only R-18 has pretrained weights here ({PretrainedWeights.ResNet18.Name}), not R-{BackboneDepth}.");
        var inv = CultureInfo.InvariantCulture;
        int maxSize = (int)Math.Round(ImageSize * 1333.0 / 800.0);
        cfg.MergeFromList(Pretrained
            ? [.. PretrainedWeights.ResNet18.ConfigOverrides(), "MODEL.FPN.NORM", "", "MODEL.BACKBONE.FREEZE_AT", FreezeAt.ToString(inv)]
            : ["MODEL.WEIGHTS", "", "MODEL.RESNETS.NORM", "GN", "MODEL.FPN.NORM", "GN", "MODEL.RESNETS.NUM_BLOCKS_PER_STAGE", "[]",
               "MODEL.BACKBONE.FREEZE_AT", "0"]);
        cfg.MergeFromList(
        [
            "MODEL.RESNETS.DEPTH", BackboneDepth.ToString(inv),
            "MODEL.RESNETS.RES2_OUT_CHANNELS", BackboneDepth >= 50 ? "256" : "64",
            "MODEL.FPN.OUT_CHANNELS", FpnChannels.ToString(inv),
            "SOLVER.BASE_LR", BaseLearningRate.ToString("R", inv),
            "INPUT.MIN_SIZE_TRAIN", $"({ImageSize},)",
            "INPUT.MAX_SIZE_TRAIN", maxSize.ToString(inv),
            "INPUT.MIN_SIZE_TEST", ImageSize.ToString(inv),
            "INPUT.MAX_SIZE_TEST", maxSize.ToString(inv),
            "MODEL.ANCHOR_GENERATOR.SIZES", "[" + string.Join(", ", AnchorSizes.Select(s => $"[{s.ToString(inv)}]")) + "]",
            "MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", RoiBatchSizePerImage.ToString(inv),
            "SOLVER.MAX_ITER", Iterations.ToString(inv),
            "SOLVER.STEPS", $"({BudgetSchedule.LrStep(Iterations).ToString(inv)},)",
            "SOLVER.WARMUP_ITERS", BudgetSchedule.WarmupIters(Iterations).ToString(inv),
            "SOLVER.CHECKPOINT_PERIOD", Math.Max(1, Iterations).ToString(inv),
        ]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"R-{BackboneDepth} {(Pretrained ? $"pretrained freeze={FreezeAt}" : "scratch")} lr={BaseLearningRate:G3} size={ImageSize} anchors=[{string.Join(",", AnchorSizes)}] roi={RoiBatchSizePerImage} fpn={FpnChannels} iters={Iterations}");
}
