namespace Rcnn.Training.Config;

/// <summary><c>MODEL</c>: architecture choice, weights, pixel normalization and every sub-module's settings.</summary>
public sealed class ModelConfig
{
    [ConfigSupported(false, Reason = "reading DATASETS.PROPOSAL_FILES_* is not implemented; PrecomputedProposals takes proposals from code, in DetectionInput.Proposals")]
    public bool LoadProposals { get; set; }
    public bool MaskOn { get; set; }
    public bool KeypointOn { get; set; }
    public string Device { get; set; } = "cuda";

    /// <summary>Name looked up in the META_ARCH registry.</summary>
    public string MetaArchitecture { get; set; } = "GeneralizedRCNN";

    /// <summary>Checkpoint to initialize from; empty trains from scratch.</summary>
    public string Weights { get; set; } = "";

    /// <summary>Per-channel mean in INPUT.FORMAT order on a 0-255 scale (detectron2's BGR ImageNet mean).</summary>
    [ConfigLength(Min = 1)]
    public List<double> PixelMean { get; set; } = [103.530, 116.280, 123.675];

    /// <summary>1.0 because the MSRA backbones fold the ImageNet std into conv1.</summary>
    [ConfigRange(Min = 0, MinExclusive = true), ConfigLength(Min = 1)]
    public List<double> PixelStd { get; set; } = [1.0, 1.0, 1.0];

    public BackboneConfig Backbone { get; } = new();
    public FpnConfig Fpn { get; } = new();
    public ProposalGeneratorConfig ProposalGenerator { get; } = new();
    public AnchorGeneratorConfig AnchorGenerator { get; } = new();
    public RpnConfig Rpn { get; } = new();
    public RoiHeadsConfig RoiHeads { get; } = new();
    public RoiBoxHeadConfig RoiBoxHead { get; } = new();
    public RoiMaskHeadConfig RoiMaskHead { get; } = new();

    [ConfigKey("RESNETS")]
    public ResNetsConfig ResNets { get; } = new();
}
