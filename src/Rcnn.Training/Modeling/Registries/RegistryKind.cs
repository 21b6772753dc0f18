namespace Rcnn.Training.Modeling;

/// <summary>detectron2's module registries that this port has (META_ARCH_REGISTRY, BACKBONE_REGISTRY, ...).</summary>
public enum RegistryKind
{
    /// <summary>META_ARCH: the whole model (GeneralizedRCNN, ProposalNetwork); MODEL.META_ARCHITECTURE.</summary>
    MetaArch,
    /// <summary>BACKBONE: the feature extractor (build_resnet_backbone, build_resnet_fpn_backbone);
    /// MODEL.BACKBONE.NAME.</summary>
    Backbone,
    /// <summary>PROPOSAL_GENERATOR: the proposal generator (RPN); MODEL.PROPOSAL_GENERATOR.NAME.</summary>
    ProposalGenerator,
    /// <summary>RPN_HEAD: the RPN's objectness and box-delta head (StandardRPNHead); MODEL.RPN.HEAD_NAME.</summary>
    RpnHead,
    /// <summary>ANCHOR_GENERATOR: anchors per feature map (DefaultAnchorGenerator); MODEL.ANCHOR_GENERATOR.NAME.
    /// </summary>
    AnchorGenerator,
    /// <summary>ROI_HEADS: the per-region heads (StandardROIHeads, Res5ROIHeads); MODEL.ROI_HEADS.NAME.</summary>
    RoiHeads,
    /// <summary>ROI_BOX_HEAD: the box head on pooled features (FastRCNNConvFCHead); MODEL.ROI_BOX_HEAD.NAME.</summary>
    RoiBoxHead,
}
