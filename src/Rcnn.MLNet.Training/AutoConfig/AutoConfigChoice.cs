using System.Globalization;
using Rcnn.Training.Config;

namespace Rcnn.MLNet.AutoConfig;

/// <summary>The settings the auto-config picked, each with the reason it gives the user.</summary>
public sealed class AutoConfigChoice
{
    /// <summary>Fine-tuned from ImageNet weights (the pretrained preset) rather than trained from scratch.</summary>
    public bool Pretrained { get; init; }

    public int BackboneDepth { get; init; } = 18;
    public int FpnChannels { get; init; } = 256;
    public int ShortSide { get; init; }
    public int MaxSize { get; init; }
    public IReadOnlyList<double> AnchorSizes { get; init; } = [];
    public int RoiBatchSizePerImage { get; init; }
    public int DetectionsPerImage { get; init; }
    public int NumClasses { get; init; }

    /// <summary>Null until the throughput is known (<see cref="AutoConfigPicker.PickIterations"/>).</summary>
    public int? MaxIter { get; set; }

    public List<(string Setting, string Value, string Why)> Reasons { get; } = new();

    /// <summary>Writes the choice into <paramref name="cfg"/> (built on the pretrained or the from-scratch R-18 preset,
    /// <see cref="AutoConfigPicker.BuildConfig"/>).</summary>
    public void ApplyTo(RcnnConfig cfg)
    {
        var inv = CultureInfo.InvariantCulture;
        var pairs = new List<string>
        {
            "MODEL.RESNETS.DEPTH", BackboneDepth.ToString(inv),
            "MODEL.RESNETS.RES2_OUT_CHANNELS", BackboneDepth >= 50 ? "256" : "64",
            "MODEL.BACKBONE.FREEZE_AT", Pretrained ? "2" : "0",
            "MODEL.FPN.OUT_CHANNELS", FpnChannels.ToString(inv),
            "MODEL.ROI_HEADS.NUM_CLASSES", NumClasses.ToString(inv),
            "MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", RoiBatchSizePerImage.ToString(inv),
            "MODEL.ANCHOR_GENERATOR.SIZES", "[" + string.Join(", ", AnchorSizes.Select(s => $"[{s.ToString(inv)}]")) + "]",
            "INPUT.MIN_SIZE_TRAIN", $"({ShortSide},)",
            "INPUT.MAX_SIZE_TRAIN", MaxSize.ToString(inv),
            "INPUT.MIN_SIZE_TEST", ShortSide.ToString(inv),
            "INPUT.MAX_SIZE_TEST", MaxSize.ToString(inv),
            "TEST.DETECTIONS_PER_IMAGE", DetectionsPerImage.ToString(inv),
            "TEST.EVAL_PERIOD", "0",
        };
        cfg.MergeFromList(pairs);
        if (MaxIter is int iters) cfg.MergeFromList(AutoConfigPicker.ScheduleOverrides(iters));
    }
}
