namespace Rcnn.Training.Config;

/// <summary>The normalization names the port's layers accept (detectron2's <c>get_norm</c> spelling; "" means none).</summary>
public static class ConfigNorms
{
    public const string None = "";
    public const string BatchNorm = "BN";
    public const string SyncBatchNorm = "SyncBN";
    public const string FrozenBatchNorm = "FrozenBN";
    public const string GroupNorm = "GN";
}
