using Rcnn.Training.Config;
using Rcnn.Training.Structures;
using TorchSharp;
using static TorchSharp.torch;
using Rcnn.Training.Modeling.Backbones;
using Rcnn.Training.Modeling.ProposalGenerators;
using Rcnn.Training.Modeling.Roi;

namespace Rcnn.Training.Modeling.MetaArch;

/// <summary>
/// Backbone, proposal generator and ROI heads (detectron2's <c>GeneralizedRCNN</c>). Training returns the loss
/// dictionary (<c>loss_rpn_cls, loss_rpn_loc, loss_cls, loss_box_reg</c>); inference returns per-image detections in
/// each caller image's own pixels. Without a proposal generator ("PrecomputedProposals") the inputs carry proposals.
/// </summary>
[RegisterModule(RegistryKind.MetaArch, "GeneralizedRCNN")]
public sealed class GeneralizedRcnn : nn.Module, ITrainableDetector
{
    private readonly Backbone backbone;
    private readonly ProposalGenerator? proposal_generator;
    private readonly RoiHeads roi_heads;
    private readonly Normalizer normalizer;

    /// <summary>Registers the parts as <c>backbone</c>, <c>proposal_generator</c> (when given) and <c>roi_heads</c>,
    /// the names of detectron2's checkpoints.</summary>
    /// <param name="proposalGenerator">Null when each <see cref="DetectionInput"/> brings its own proposals.</param>
    /// <param name="pixelMean">Per-channel mean subtracted from the images (MODEL.PIXEL_MEAN); one per channel.</param>
    /// <param name="pixelStd">Per-channel divisor after the mean (MODEL.PIXEL_STD).</param>
    /// <param name="inputFormat">Channel order of the images (INPUT.FORMAT); see <see cref="InputFormat"/>.</param>
    public GeneralizedRcnn(Backbone backbone, ProposalGenerator? proposalGenerator, RoiHeads roiHeads,
        IReadOnlyList<double> pixelMean, IReadOnlyList<double> pixelStd, string inputFormat = "BGR")
        : base(nameof(GeneralizedRcnn))
    {
        this.backbone = backbone;
        proposal_generator = proposalGenerator;
        roi_heads = roiHeads;
        normalizer = new Normalizer(pixelMean, pixelStd);
        InputFormat = inputFormat;
        register_module("backbone", backbone);
        if (proposalGenerator is not null) register_module("proposal_generator", proposalGenerator);
        register_module("roi_heads", roiHeads);
    }

    /// <summary>
    /// detectron2's <c>GeneralizedRCNN.from_config</c>: the backbone named by MODEL.BACKBONE.NAME (one input channel
    /// per PIXEL_MEAN entry); the proposal generator of MODEL.PROPOSAL_GENERATOR.NAME (none for "PrecomputedProposals")
    /// and the ROI heads of MODEL.ROI_HEADS.NAME, both on the backbone's output shapes; PIXEL_MEAN, PIXEL_STD;
    /// INPUT.FORMAT.
    /// </summary>
    public static GeneralizedRcnn FromConfig(RcnnConfig cfg)
    {
        var backbone = ComponentBuilder.Backbone(cfg);
        var proposals = cfg.Model.ProposalGenerator.Name == "PrecomputedProposals" ? null : ComponentBuilder.ProposalGenerator(cfg, backbone);
        return new GeneralizedRcnn(backbone, proposals, ComponentBuilder.RoiHeads(cfg, backbone), cfg.Model.PixelMean, cfg.Model.PixelStd, cfg.Input.Format);
    }

    /// <summary>The feature extractor (module <c>backbone</c>).</summary>
    public Backbone Backbone => backbone;

    /// <summary>The first stage, e.g. the RPN (module <c>proposal_generator</c>); null for precomputed
    /// proposals.</summary>
    public ProposalGenerator? ProposalGenerator => proposal_generator;

    /// <summary>The second stage (module <c>roi_heads</c>).</summary>
    public RoiHeads RoiHeads => roi_heads;

    /// <summary>The images' channel order (INPUT.FORMAT, e.g. "BGR"). Only recorded (the ONNX export reads it); the
    /// model itself never reorders channels.</summary>
    public string InputFormat { get; }

    /// <summary>Training step: the losses of both stages for a batch with ground truth.</summary>
    public Dictionary<string, Tensor> Losses(IReadOnlyList<DetectionInput> inputs)
    {
        if (!training) throw new InvalidOperationException("Losses needs the model in training mode (call train()).");
        var gt = inputs.Select((x, i) => x.Instances ?? throw new ArgumentException($"input {i} has no ground-truth Instances")).ToList();
        var images = Preprocess(inputs);
        var features = backbone.call(images.Tensor);
        var (proposals, proposalLosses) = Proposals(images, features, inputs, gt);
        var (_, detectorLosses) = roi_heads.Forward(images, features, proposals, gt);
        var losses = new Dictionary<string, Tensor>(detectorLosses);
        foreach (var (k, v) in proposalLosses) losses[k] = v;
        return losses;
    }

    /// <summary>Detections per image, rescaled to each input's Height/Width (its image size when not given) unless
    /// <paramref name="doPostprocess"/> is false.</summary>
    public List<Instances> Inference(IReadOnlyList<DetectionInput> inputs, bool doPostprocess = true)
    {
        if (training) throw new InvalidOperationException("Inference needs the model in eval mode (call eval()).");
        using var _ = no_grad();
        var images = Preprocess(inputs);
        var features = backbone.call(images.Tensor);
        var (proposals, _) = Proposals(images, features, inputs, null);
        var (results, _) = roi_heads.Forward(images, features, proposals, null);
        if (!doPostprocess) return results;
        return results.Select((r, i) => Postprocessing.DetectorPostprocess(r,
            inputs[i].Height ?? images.ImageSizes[i].Height, inputs[i].Width ?? images.ImageSizes[i].Width)).ToList();
    }

    /// <summary>Normalises with PIXEL_MEAN/STD and pads the batch into an ImageList the backbone can stride over.</summary>
    public ImageList Preprocess(IReadOnlyList<DetectionInput> inputs) =>
        normalizer.ToImageList(inputs.Select(x => x.Image).ToList(), backbone);

    private (List<Instances>, Dictionary<string, Tensor>) Proposals(ImageList images, Dictionary<string, Tensor> features,
        IReadOnlyList<DetectionInput> inputs, IReadOnlyList<Instances>? gt)
    {
        if (proposal_generator is not null) return proposal_generator.Forward(images, features, gt);
        var given = inputs.Select((x, i) => x.Proposals
            ?? throw new ArgumentException($"input {i} has no proposals and the model has no proposal generator (PrecomputedProposals)")).ToList();
        return (given, new Dictionary<string, Tensor>());
    }
}
