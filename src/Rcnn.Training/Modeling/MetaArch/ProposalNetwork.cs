using Rcnn.Training.Config;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;
using Rcnn.Training.Modeling.Backbones;
using Rcnn.Training.Modeling.ProposalGenerators;

namespace Rcnn.Training.Modeling.MetaArch;

/// <summary>
/// A backbone and a proposal generator only (detectron2's <c>ProposalNetwork</c>): trains the RPN alone and returns
/// class-agnostic proposals (proposal_boxes, objectness_logits) in each caller image's pixels.
/// </summary>
[RegisterModule(RegistryKind.MetaArch, "ProposalNetwork")]
public sealed class ProposalNetwork : nn.Module, ITrainableDetector
{
    private readonly Backbone backbone;
    private readonly ProposalGenerator proposal_generator;
    private readonly Normalizer normalizer;

    /// <summary>Registers the parts as <c>backbone</c> and <c>proposal_generator</c>, the names of detectron2's
    /// checkpoints; images are normalised with <paramref name="pixelMean"/> and <paramref name="pixelStd"/> per
    /// channel (MODEL.PIXEL_MEAN, MODEL.PIXEL_STD).</summary>
    public ProposalNetwork(Backbone backbone, ProposalGenerator proposalGenerator,
        IReadOnlyList<double> pixelMean, IReadOnlyList<double> pixelStd) : base(nameof(ProposalNetwork))
    {
        this.backbone = backbone;
        proposal_generator = proposalGenerator;
        normalizer = new Normalizer(pixelMean, pixelStd);
        register_module("backbone", backbone);
        register_module("proposal_generator", proposalGenerator);
    }

    /// <summary>detectron2's <c>ProposalNetwork.from_config</c>: the backbone named by MODEL.BACKBONE.NAME (one input
    /// channel per PIXEL_MEAN entry), the proposal generator of MODEL.PROPOSAL_GENERATOR.NAME on its output shapes, and
    /// MODEL.PIXEL_MEAN / PIXEL_STD.</summary>
    public static ProposalNetwork FromConfig(RcnnConfig cfg)
    {
        var backbone = ComponentBuilder.Backbone(cfg);
        return new ProposalNetwork(backbone, ComponentBuilder.ProposalGenerator(cfg, backbone), cfg.Model.PixelMean, cfg.Model.PixelStd);
    }

    /// <summary>Training step: the proposal generator's losses (<c>loss_rpn_cls</c>, <c>loss_rpn_loc</c> for the RPN)
    /// for a batch whose inputs all carry ground-truth <c>Instances</c>.</summary>
    public Dictionary<string, Tensor> Losses(IReadOnlyList<DetectionInput> inputs)
    {
        if (!training) throw new InvalidOperationException("Losses needs the model in training mode (call train()).");
        var gt = inputs.Select((x, i) => x.Instances ?? throw new ArgumentException($"input {i} has no ground-truth Instances")).ToList();
        var images = normalizer.ToImageList(inputs.Select(x => x.Image).ToList(), backbone);
        var (_, losses) = proposal_generator.Forward(images, backbone.call(images.Tensor), gt);
        return losses;
    }

    /// <summary>Per image, the proposals (<c>proposal_boxes</c>, <c>objectness_logits</c>, best first), rescaled to
    /// each input's Height/Width (its image size when not given).</summary>
    public List<Instances> Inference(IReadOnlyList<DetectionInput> inputs)
    {
        if (training) throw new InvalidOperationException("Inference needs the model in eval mode (call eval()).");
        using var _ = no_grad();
        var images = normalizer.ToImageList(inputs.Select(x => x.Image).ToList(), backbone);
        var (proposals, _) = proposal_generator.Forward(images, backbone.call(images.Tensor), null);
        return proposals.Select((p, i) => Postprocessing.DetectorPostprocess(p,
            inputs[i].Height ?? images.ImageSizes[i].Height, inputs[i].Width ?? images.ImageSizes[i].Width)).ToList();
    }
}
