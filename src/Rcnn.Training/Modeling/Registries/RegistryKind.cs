namespace Rcnn.Training.Modeling;

/// <summary>detectron2's module registries that this port has (META_ARCH_REGISTRY, BACKBONE_REGISTRY, ...).</summary>
public enum RegistryKind
{
    MetaArch,
    Backbone,
    ProposalGenerator,
    RpnHead,
    AnchorGenerator,
    RoiHeads,
    RoiBoxHead,
}
