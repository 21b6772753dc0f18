using Rcnn.MLNet.AutoConfig;
using Rcnn.MLNet.AutoML;
using Rcnn.MLNet.Training;
using Rcnn.Training.Config;

namespace Rcnn.Cli.Commands;

/// <summary>
/// The search space of <c>rcnn experiment</c>, centred on what <c>rcnn train</c> would pick (its <c>choice</c>):
/// image size one step (64 px) either side; anchor sets at half, the same and twice the picked sizes, kept only where
/// they still cover the objects (smallest anchor not above the 5th-percentile object at the largest size searched,
/// largest not below the 95th percentile at the smallest); LR from half to twice the preset's of each trunk; ROI batch
/// 64/128/256; FPN width the pick's or half of it; the plan's iterations; R-34 as well from 2 h; pretrained (FREEZE_AT
/// 1, 2 or 3) and from scratch when the pretrained weights are restored. Trial 0 is the pick.
/// </summary>
public static class ExperimentSpace
{
    /// <param name="pretrainedAvailable">The ImageNet weights are restored, so trials may fine-tune from them.</param>
    public static DetectionSearchSpace For(AutoConfigChoice choice, DatasetStatistics stats, RcnnConfig cfg, ExperimentPlan plan,
        bool pretrainedAvailable = false)
    {
        double scratchLr = ConfigPresets.Load(AutoConfigPicker.ScratchPreset).Solver.BaseLr;
        double pretrainedLr = ConfigPresets.Load(AutoConfigPicker.PretrainedPreset).Solver.BaseLr;
        int[] sizes = new[] { choice.ShortSide - 64, choice.ShortSide, choice.ShortSide + 64 }.Where(s => s >= 160).Distinct().ToArray();
        double smallest = stats.RelativeSizeP5 * sizes.Max(), largest = stats.RelativeSizeP95 * sizes.Min();
        var anchorSets = new[] { 0.5, 1, 2 }
            .Select(f => choice.AnchorSizes.Select(a => Math.Max(4, a * f)).ToArray())
            // An RPN whose anchors all miss the small (or large) objects cannot match them at IoU 0.7.
            .Where(a => a.SequenceEqual(choice.AnchorSizes) || (a[0] <= smallest && a[^1] >= largest))
            .Select(a => (IReadOnlyList<double>)a).ToArray();
        int fpn = choice.FpnChannels;
        return new DetectionSearchSpace
        {
            BackboneDepths = plan.Depths,
            MinBaseLearningRate = scratchLr / 2,
            MaxBaseLearningRate = scratchLr * 2,
            PretrainedLearningRates = (pretrainedLr / 2, pretrainedLr * 2),
            ImageSizes = sizes,
            AnchorSizeSets = anchorSets,
            RoiBatchSizesPerImage = [64, 128, 256],
            Iterations = [plan.Iterations],
            // Half the width makes the FPN and RPN convolutions at stride 4 about 4x cheaper: more iterations in the budget.
            FpnChannels = new[] { fpn / 2, fpn }.Where(DetectionSearchSpace.IsFpnWidth).Distinct().ToArray(),
            Pretrained = pretrainedAvailable ? [true, false] : [false],
            FreezeAt = [1, 2, 3],
            // Trial 0 is what `rcnn train` would train: the search only has to beat it.
            Default = new DetectionParameters(choice.BackboneDepth, cfg.Solver.BaseLr, choice.ShortSide, choice.AnchorSizes.ToArray(),
                choice.RoiBatchSizePerImage, plan.Iterations, fpn, choice.Pretrained, choice.Pretrained ? 2 : 0),
        };
    }
}
