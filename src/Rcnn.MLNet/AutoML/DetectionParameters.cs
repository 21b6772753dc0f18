using System.Globalization;
using Rcnn.Training.Config;

namespace Rcnn.MLNet.AutoML;

/// <summary>One point of the <see cref="DetectionSearchSpace"/>: the settings a trial trains with.</summary>
public sealed record DetectionParameters(
    int BackboneDepth,
    double BaseLearningRate,
    int ImageSize,
    IReadOnlyList<double> AnchorSizes,
    int RoiBatchSizePerImage,
    int Iterations,
    int FpnChannels = 256)
{
    /// <summary>Writes these settings into <paramref name="cfg"/>: depth (and the res2 width it needs), FPN width, LR,
    /// train/test short side (long side capped at 1333/800 of it), one anchor size per FPN level, ROI batch, and a schedule of
    /// <see cref="Iterations"/> with the LR step at 80% and a warm-up of a sixth (10..200).</summary>
    public void ApplyTo(RcnnConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        var inv = CultureInfo.InvariantCulture;
        int maxSize = (int)Math.Round(ImageSize * 1333.0 / 800.0);
        int step = LrStep(Iterations);
        int warmup = Math.Min(Math.Clamp(Iterations / 6, 10, 200), Math.Max(1, step - 1));
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
            "SOLVER.STEPS", $"({step},)",
            "SOLVER.WARMUP_ITERS", warmup.ToString(inv),
            "SOLVER.CHECKPOINT_PERIOD", Math.Max(1, Iterations).ToString(inv),
        ]);
    }

    /// <summary>The iteration of the schedule's LR step: 80% of <paramref name="iterations"/>.</summary>
    public static int LrStep(int iterations) => Math.Max(1, (int)(iterations * 0.8));

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"R-{BackboneDepth} lr={BaseLearningRate:G3} size={ImageSize} anchors=[{string.Join(",", AnchorSizes)}] roi={RoiBatchSizePerImage} fpn={FpnChannels} iters={Iterations}");
}
