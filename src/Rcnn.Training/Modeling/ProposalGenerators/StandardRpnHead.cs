using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling.AnchorGenerators;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.ProposalGenerators;

/// <summary>
/// The RPN head shared across levels (detectron2's <c>StandardRPNHead</c>): a 3x3 conv + ReLU, then a 1x1 conv to
/// A objectness logits and a 1x1 conv to A x boxDim anchor deltas per location.
/// </summary>
[RegisterModule(RegistryKind.RpnHead, "StandardRPNHead")]
public sealed class StandardRpnHead : nn.Module<IReadOnlyList<Tensor>, (List<Tensor> ObjectnessLogits, List<Tensor> AnchorDeltas)>
{
    private readonly nn.Module<Tensor, Tensor> conv;
    private readonly Conv2d objectness_logits;
    private readonly Conv2d anchor_deltas;

    /// <param name="convDims">Hidden conv widths (MODEL.RPN.CONV_DIMS); -1 keeps the incoming width. One entry gives
    /// detectron2's single conv named <c>conv</c>; more give a stack <c>conv.conv0</c>, <c>conv.conv1</c>, ...</param>
    public StandardRpnHead(int inChannels, int numAnchors, int boxDim = 4, IReadOnlyList<int>? convDims = null)
        : base(nameof(StandardRpnHead))
    {
        if (inChannels <= 0 || numAnchors <= 0 || boxDim <= 0)
            throw new ArgumentException($"inChannels, numAnchors and boxDim must be positive: {inChannels}, {numAnchors}, {boxDim}.");
        convDims ??= new[] { -1 };
        if (convDims.Count == 0) throw new ArgumentException("convDims needs at least one entry.", nameof(convDims));
        int channels = inChannels;
        if (convDims.Count == 1)
        {
            channels = convDims[0] == -1 ? inChannels : convDims[0];
            conv = NewConv(inChannels, channels);
        }
        else
        {
            var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (int i = 0; i < convDims.Count; i++)
            {
                int outCh = convDims[i] == -1 ? channels : convDims[i];
                layers.Add(($"conv{i}", NewConv(channels, outCh)));
                channels = outCh;
            }
            conv = nn.Sequential(layers);
        }
        objectness_logits = nn.Conv2d(channels, numAnchors, 1);
        anchor_deltas = nn.Conv2d(channels, numAnchors * boxDim, 1);
        foreach (var c in new[] { objectness_logits, anchor_deltas }) InitNormal(c.weight!, c.bias);
        NumAnchors = numAnchors;
        BoxDim = boxDim;
        RegisterComponents();
    }

    /// <summary>
    /// detectron2's <c>StandardRPNHead.from_config</c>: the levels' common channel count, the anchor count per position
    /// of the configured anchor generator (built on the same shapes, then discarded) and MODEL.RPN.CONV_DIMS.
    /// </summary>
    public static StandardRpnHead FromConfig(RcnnConfig cfg, IReadOnlyList<ShapeSpec> inputShape)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(inputShape);
        var channels = inputShape.Select(s => s.Channels).Distinct().ToList();
        if (channels.Count != 1)
            throw new ArgumentException(
                $"The shared RPN head needs one channel count on every level, got [{string.Join(", ", inputShape.Select(s => s.Channels))}].",
                nameof(inputShape));
        using var built = ModelRegistries.Current.AnchorGenerator.Build(cfg, inputShape);
        if (built is not DefaultAnchorGenerator anchors)
            throw new ConfigException(
                $"StandardRPNHead reads the anchor count of a DefaultAnchorGenerator, but MODEL.ANCHOR_GENERATOR.NAME built a {built.GetType().Name}.",
                "MODEL.ANCHOR_GENERATOR.NAME");
        var perLevel = anchors.NumCellAnchors.Distinct().ToList();
        if (perLevel.Count != 1)
            throw new ConfigException(
                $"The shared RPN head needs the same anchor count on every level, got [{string.Join(", ", anchors.NumCellAnchors)}].",
                "MODEL.ANCHOR_GENERATOR.SIZES");
        return new StandardRpnHead(channels[0], perLevel[0], anchors.BoxDim, cfg.Model.Rpn.ConvDims);
    }

    /// <summary>A, the anchors per grid position: the objectness conv's output channels.</summary>
    public int NumAnchors { get; }

    /// <summary>Deltas per anchor (4); the delta conv has A x BoxDim output channels.</summary>
    public int BoxDim { get; }

    /// <summary>Per level: logits (N, A, Hi, Wi) and deltas (N, A*boxDim, Hi, Wi).</summary>
    public override (List<Tensor> ObjectnessLogits, List<Tensor> AnchorDeltas) forward(IReadOnlyList<Tensor> features)
    {
        var logits = new List<Tensor>(features.Count);
        var deltas = new List<Tensor>(features.Count);
        foreach (var x in features)
        {
            var t = conv.call(x);
            logits.Add(objectness_logits.call(t));
            deltas.Add(anchor_deltas.call(t));
        }
        return (logits, deltas);
    }

    private static nn.Module<Tensor, Tensor> NewConv(int inCh, int outCh)
    {
        var c = new Conv2dWithNorm(inCh, outCh, 3, padding: 1, relu: true);
        InitNormal(c.Weight, c.Bias);
        return c;
    }

    private static void InitNormal(Tensor weight, Tensor? bias)
    {
        using var _ = no_grad();
        nn.init.normal_(weight, std: 0.01);
        bias?.zero_();
    }
}
