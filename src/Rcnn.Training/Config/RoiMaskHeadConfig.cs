namespace Rcnn.Training.Config;

/// <summary><c>MODEL.ROI_MASK_HEAD</c>; read only when MODEL.MASK_ON is true.</summary>
public sealed class RoiMaskHeadConfig
{
    public string Name { get; set; } = "MaskRCNNConvUpsampleHead";

    [ConfigRange(Min = 1)]
    public int PoolerResolution { get; set; } = 14;

    [ConfigRange(Min = 0)]
    public int PoolerSamplingRatio { get; set; }

    [ConfigRange(Min = 0)]
    public int NumConv { get; set; }

    [ConfigRange(Min = 1)]
    public int ConvDim { get; set; } = 256;

    [ConfigChoice(ConfigNorms.None, ConfigNorms.BatchNorm, ConfigNorms.SyncBatchNorm, ConfigNorms.FrozenBatchNorm, ConfigNorms.GroupNorm)]
    public string Norm { get; set; } = "";

    public bool ClsAgnosticMask { get; set; }

    [ConfigChoice("ROIAlignV2", "ROIAlign", "ROIPool")]
    public string PoolerType { get; set; } = "ROIAlignV2";
}
