namespace Rcnn.Training.Config;

/// <summary><c>MODEL.RPN</c>.</summary>
public sealed class RpnConfig
{
    /// <summary>Name looked up in the RPN_HEAD registry.</summary>
    public string HeadName { get; set; } = "StandardRPNHead";

    public List<string> InFeatures { get; set; } = ["res4"];

    /// <summary>Anchors reaching further than this outside the image are ignored; negative keeps them all.</summary>
    public int BoundaryThresh { get; set; } = -1;

    [ConfigRange(0, 1), ConfigLength(Min = 1)]
    public List<double> IouThresholds { get; set; } = [0.3, 0.7];

    /// <summary>Label per IoU interval: 0 negative, -1 ignored, 1 positive.</summary>
    [ConfigRange(-1, 1), ConfigLength(Min = 2)]
    public List<int> IouLabels { get; set; } = [0, -1, 1];

    [ConfigRange(Min = 1)]
    public int BatchSizePerImage { get; set; } = 256;

    [ConfigRange(0, 1)]
    public double PositiveFraction { get; set; } = 0.5;

    [ConfigChoice("smooth_l1", "giou", "diou", "ciou")]
    public string BboxRegLossType { get; set; } = "smooth_l1";

    [ConfigRange(Min = 0)]
    public double BboxRegLossWeight { get; set; } = 1.0;

    /// <summary>(wx, wy, ww, wh) of the box delta transform.</summary>
    [ConfigRange(Min = 0, MinExclusive = true), ConfigLength(Exact = 4)]
    public List<double> BboxRegWeights { get; set; } = [1.0, 1.0, 1.0, 1.0];

    /// <summary>0 makes the smooth-L1 loss plain L1.</summary>
    [ConfigRange(Min = 0)]
    public double SmoothL1Beta { get; set; }

    [ConfigRange(Min = 0)]
    public double LossWeight { get; set; } = 1.0;

    /// <summary>Top-k before NMS, per feature level.</summary>
    [ConfigRange(Min = 1)]
    public int PreNmsTopkTrain { get; set; } = 12000;

    [ConfigRange(Min = 1)]
    public int PreNmsTopkTest { get; set; } = 6000;

    /// <summary>Proposals kept after NMS, per image.</summary>
    [ConfigRange(Min = 1)]
    public int PostNmsTopkTrain { get; set; } = 2000;

    [ConfigRange(Min = 1)]
    public int PostNmsTopkTest { get; set; } = 1000;

    [ConfigRange(0, 1)]
    public double NmsThresh { get; set; } = 0.7;

    /// <summary>Hidden conv widths of the head; -1 keeps the input channel count.</summary>
    [ConfigRange(Min = -1), ConfigLength(Min = 1)]
    public List<int> ConvDims { get; set; } = [-1];
}
