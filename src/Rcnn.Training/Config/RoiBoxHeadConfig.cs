namespace Rcnn.Training.Config;

/// <summary><c>MODEL.ROI_BOX_HEAD</c>.</summary>
public sealed class RoiBoxHeadConfig
{
    /// <summary>Name looked up in the ROI_BOX_HEAD registry; empty for C4 models, whose box head is res5.</summary>
    public string Name { get; set; } = "";

    [ConfigChoice("smooth_l1", "giou", "diou", "ciou")]
    public string BboxRegLossType { get; set; } = "smooth_l1";

    [ConfigRange(Min = 0)]
    public double BboxRegLossWeight { get; set; } = 1.0;

    [ConfigRange(Min = 0, MinExclusive = true), ConfigLength(Exact = 4)]
    public List<double> BboxRegWeights { get; set; } = [10.0, 10.0, 5.0, 5.0];

    [ConfigRange(Min = 0)]
    public double SmoothL1Beta { get; set; }

    [ConfigRange(Min = 1)]
    public int PoolerResolution { get; set; } = 14;

    /// <summary>0 samples adaptively (ceil(roi size / output size)).</summary>
    [ConfigRange(Min = 0)]
    public int PoolerSamplingRatio { get; set; }

    [ConfigChoice("ROIAlignV2", "ROIAlign", "ROIPool")]
    public string PoolerType { get; set; } = "ROIAlignV2";

    [ConfigRange(Min = 0)]
    public int NumFc { get; set; }

    [ConfigRange(Min = 1)]
    public int FcDim { get; set; } = 1024;

    [ConfigRange(Min = 0)]
    public int NumConv { get; set; }

    [ConfigRange(Min = 1)]
    public int ConvDim { get; set; } = 256;

    [ConfigChoice(ConfigNorms.None, ConfigNorms.BatchNorm, ConfigNorms.SyncBatchNorm, ConfigNorms.FrozenBatchNorm, ConfigNorms.GroupNorm)]
    public string Norm { get; set; } = "";

    public bool ClsAgnosticBboxReg { get; set; }
    public bool TrainOnPredBoxes { get; set; }
    public bool UseFedLoss { get; set; }
    public bool UseSigmoidCe { get; set; }

    [ConfigRange(Min = 0)]
    public double FedLossFreqWeightPower { get; set; } = 0.5;

    [ConfigRange(Min = 1)]
    public int FedLossNumClasses { get; set; } = 50;
}
