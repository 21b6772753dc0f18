using Rcnn.Training.Config;
using BackboneBase = Rcnn.Training.Modeling.Backbone.Backbone;
using ProposalGeneratorBase = Rcnn.Training.Modeling.ProposalGenerator.ProposalGenerator;
using RoiHeadsBase = Rcnn.Training.Modeling.RoiHeads.RoiHeads;

namespace Rcnn.Training.Modeling.MetaArch;

/// <summary>Builds a meta-architecture's parts through the registries, checking each is the kind of module asked for.</summary>
internal static class ComponentBuilder
{
    public static BackboneBase Backbone(RcnnConfig cfg)
    {
        // The first module a model builds: fail here, with the reason, if libtorch cannot load.
        TorchRuntime.EnsureLoaded();
        return ModelRegistries.Default.BuildBackbone(cfg) as BackboneBase
            ?? throw new ConfigException($"MODEL.BACKBONE.NAME '{cfg.Model.Backbone.Name}' does not build a Backbone.", "MODEL.BACKBONE.NAME");
    }

    public static ProposalGeneratorBase ProposalGenerator(RcnnConfig cfg, BackboneBase backbone) =>
        ModelRegistries.Default.ProposalGenerator.Build(cfg, backbone.OutputShape()) as ProposalGeneratorBase
        ?? throw new ConfigException($"MODEL.PROPOSAL_GENERATOR.NAME '{cfg.Model.ProposalGenerator.Name}' does not build a ProposalGenerator.",
            "MODEL.PROPOSAL_GENERATOR.NAME");

    public static RoiHeadsBase RoiHeads(RcnnConfig cfg, BackboneBase backbone) =>
        ModelRegistries.Default.RoiHeads.Build(cfg, backbone.OutputShape()) as RoiHeadsBase
        ?? throw new ConfigException($"MODEL.ROI_HEADS.NAME '{cfg.Model.RoiHeads.Name}' does not build RoiHeads.", "MODEL.ROI_HEADS.NAME");
}
