using Rcnn.Training.Config;
using Rcnn.Training.Modeling.Backbones;
using Rcnn.Training.Modeling.ProposalGenerators;
using Rcnn.Training.Modeling.Roi;

namespace Rcnn.Training.Modeling.MetaArch;

/// <summary>Builds a meta-architecture's parts through the registries, checking each is the kind of module asked for.</summary>
internal static class ComponentBuilder
{
    public static Backbone Backbone(RcnnConfig cfg)
    {
        // The first module a model builds: fail here, with the reason, if libtorch cannot load.
        TorchRuntime.EnsureLoaded();
        return ModelRegistries.Current.BuildBackbone(cfg) as Backbone
            ?? throw new ConfigException($"MODEL.BACKBONE.NAME '{cfg.Model.Backbone.Name}' does not build a Backbone.", "MODEL.BACKBONE.NAME");
    }

    public static ProposalGenerator ProposalGenerator(RcnnConfig cfg, Backbone backbone) =>
        ModelRegistries.Current.ProposalGenerator.Build(cfg, backbone.OutputShape()) as ProposalGenerator
        ?? throw new ConfigException($"MODEL.PROPOSAL_GENERATOR.NAME '{cfg.Model.ProposalGenerator.Name}' does not build a ProposalGenerator.",
            "MODEL.PROPOSAL_GENERATOR.NAME");

    public static RoiHeads RoiHeads(RcnnConfig cfg, Backbone backbone) =>
        ModelRegistries.Current.RoiHeads.Build(cfg, backbone.OutputShape()) as RoiHeads
        ?? throw new ConfigException($"MODEL.ROI_HEADS.NAME '{cfg.Model.RoiHeads.Name}' does not build RoiHeads.", "MODEL.ROI_HEADS.NAME");
}
