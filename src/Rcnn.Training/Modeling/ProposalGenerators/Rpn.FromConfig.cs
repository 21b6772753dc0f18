using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using Rcnn.Training.Modeling.AnchorGenerators;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.ProposalGenerators;

[RegisterModule(RegistryKind.ProposalGenerator, "RPN")]
public sealed partial class Rpn
{
    /// <summary>
    /// detectron2's <c>RPN.from_config</c>: MODEL.RPN.* and MODEL.PROPOSAL_GENERATOR.MIN_SIZE; the head and the anchor
    /// generator come from their registries (MODEL.RPN.HEAD_NAME, MODEL.ANCHOR_GENERATOR.NAME) built on the shapes of
    /// MODEL.RPN.IN_FEATURES; the anchor matcher allows low-quality matches.
    /// </summary>
    public static Rpn FromConfig(RcnnConfig cfg, IReadOnlyDictionary<string, ShapeSpec> inputShape)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(inputShape);
        var c = cfg.Model.Rpn;
        var shapes = c.InFeatures.Select(f => inputShape.TryGetValue(f, out var s)
            ? s
            : throw new ConfigException(
                $"MODEL.RPN.IN_FEATURES names '{f}', but the backbone outputs only [{string.Join(", ", inputShape.Keys)}].",
                "MODEL.RPN.IN_FEATURES")).ToList();

        var registries = ModelRegistries.Current;
        var anchorGenerator = registries.AnchorGenerator.Build(cfg, shapes);
        if (anchorGenerator is not DefaultAnchorGenerator anchors)
        {
            anchorGenerator.Dispose();
            throw new ConfigException(
                $"The RPN needs a DefaultAnchorGenerator, but MODEL.ANCHOR_GENERATOR.NAME '{cfg.Model.AnchorGenerator.Name}' built a {anchorGenerator.GetType().Name}.",
                "MODEL.ANCHOR_GENERATOR.NAME");
        }
        nn.Module head;
        try { head = registries.RpnHead.Build(cfg, shapes); }
        catch { anchors.Dispose(); throw; }
        if (head is not StandardRpnHead rpnHead)
        {
            head.Dispose();
            anchors.Dispose();
            throw new ConfigException(
                $"The RPN needs a StandardRpnHead, but MODEL.RPN.HEAD_NAME '{c.HeadName}' built a {head.GetType().Name}.",
                "MODEL.RPN.HEAD_NAME");
        }

        var w = c.BboxRegWeights;
        try
        {
            return new Rpn(
                c.InFeatures,
                rpnHead,
                anchors,
                new Matcher(c.IouThresholds, c.IouLabels, allowLowQualityMatches: true),
                new Box2BoxTransform((w[0], w[1], w[2], w[3])),
                c.BatchSizePerImage,
                c.PositiveFraction,
                (c.PreNmsTopkTrain, c.PreNmsTopkTest),
                (c.PostNmsTopkTrain, c.PostNmsTopkTest),
                c.NmsThresh,
                cfg.Model.ProposalGenerator.MinSize,
                c.BoundaryThresh,
                (c.LossWeight, c.BboxRegLossWeight * c.LossWeight),
                c.BboxRegLossType,
                c.SmoothL1Beta);
        }
        catch
        {
            // A rejected combination (e.g. a loss type this port lacks) must not leak the modules built above.
            rpnHead.Dispose();
            anchors.Dispose();
            throw;
        }
    }
}
