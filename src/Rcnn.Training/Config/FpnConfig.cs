namespace Rcnn.Training.Config;

/// <summary><c>MODEL.FPN</c>.</summary>
public sealed class FpnConfig
{
    /// <summary>Bottom-up features the FPN consumes, e.g. res2..res5.</summary>
    public List<string> InFeatures { get; set; } = [];

    [ConfigRange(Min = 1)]
    public int OutChannels { get; set; } = 256;

    [ConfigChoice(ConfigNorms.None, ConfigNorms.BatchNorm, ConfigNorms.SyncBatchNorm, ConfigNorms.FrozenBatchNorm, ConfigNorms.GroupNorm)]
    public string Norm { get; set; } = "";

    [ConfigChoice("sum", "avg")]
    public string FuseType { get; set; } = "sum";
}
