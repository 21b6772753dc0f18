namespace Rcnn.Training.Config;

/// <summary><c>MODEL.RESNETS</c>.</summary>
public sealed class ResNetsConfig
{
    [ConfigChoice(18, 34, 50, 101, 152)]
    public int Depth { get; set; } = 50;

    /// <summary>
    /// Blocks in res2..res5, in place of DEPTH's ([2, 2, 2, 2] for 18, [3, 4, 6, 3] for 34 and 50 ...); empty, the
    /// default, takes DEPTH's. Not a detectron2 key (detectron2 derives them from DEPTH alone): pretrained trunks such as
    /// ML.NET's ResNet18.onnx, whose res5 has 3 blocks, need it. DEPTH still picks the block type (basic below 50).
    /// </summary>
    public List<int> NumBlocksPerStage { get; set; } = [];

    [ConfigChoice("stem", "res2", "res3", "res4", "res5"), ConfigLength(Min = 1)]
    public List<string> OutFeatures { get; set; } = ["res4"];

    /// <summary>1 for ResNet, more for ResNeXt.</summary>
    [ConfigRange(Min = 1)]
    public int NumGroups { get; set; } = 1;

    [ConfigChoice(ConfigNorms.None, ConfigNorms.BatchNorm, ConfigNorms.SyncBatchNorm, ConfigNorms.FrozenBatchNorm, ConfigNorms.GroupNorm)]
    public string Norm { get; set; } = "FrozenBN";

    [ConfigRange(Min = 1)]
    public int WidthPerGroup { get; set; } = 64;

    /// <summary>MSRA-style bottlenecks put the stride in the 1x1 conv; torchvision-style in the 3x3.</summary>
    [ConfigKey("STRIDE_IN_1X1")]
    public bool StrideIn1x1 { get; set; } = true;

    [ConfigChoice(1, 2)]
    public int Res5Dilation { get; set; } = 1;

    /// <summary>Must be 64 for R18/R34 (basic blocks), 256 for the bottleneck depths.</summary>
    [ConfigRange(Min = 1)]
    public int Res2OutChannels { get; set; } = 256;

    [ConfigRange(Min = 1)]
    public int StemOutChannels { get; set; } = 64;

    [ConfigLength(Exact = 4)]
    public List<bool> DeformOnPerStage { get; set; } = [false, false, false, false];

    public bool DeformModulated { get; set; }

    [ConfigRange(Min = 1)]
    public int DeformNumGroups { get; set; } = 1;
}
