using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Backbones;

/// <summary>
/// ResNet as a multi-output backbone (detectron2's <c>ResNet</c>): a stem and stages named res2..res5, each a
/// sequence of blocks named 0..n-1, so checkpoint keys read <c>res3.1.conv2.norm.weight</c>. Only the stages up to
/// the deepest requested output are built.
/// </summary>
[RegisterModule(RegistryKind.Backbone, "build_resnet_backbone")]
public sealed class ResNet : Backbone
{
    private static readonly Dictionary<int, int[]> BlocksPerDepth = new()
    {
        [18] = new[] { 2, 2, 2, 2 }, [34] = new[] { 3, 4, 6, 3 }, [50] = new[] { 3, 4, 6, 3 },
        [101] = new[] { 3, 4, 23, 3 }, [152] = new[] { 3, 8, 36, 3 },
    };

    private readonly BasicStem stem;
    private readonly List<(string Name, nn.Module<Tensor, Tensor> Stage)> stages = new();
    private readonly Dictionary<string, ShapeSpec> outputShapes = new();
    private readonly IReadOnlyList<string> outFeatures;

    /// <summary>
    /// Registers <paramref name="stem"/> and the stages as res2, res3, ... (each a Sequential of blocks named 0..n-1),
    /// derives each output's channels and stride, and freezes as <paramref name="freezeAt"/> says.
    /// </summary>
    /// <param name="stages">The blocks of res2 onwards, one non-empty list per stage.</param>
    /// <param name="outFeatures">Outputs <see cref="forward"/> returns: "stem" and/or stage names.</param>
    /// <param name="freezeAt">0 trains everything; 1 freezes the stem, 2 the stem and res2, and so on up to 5
    /// (MODEL.BACKBONE.FREEZE_AT).</param>
    public ResNet(BasicStem stem, IReadOnlyList<IReadOnlyList<CnnBlockBase>> stages, IReadOnlyList<string> outFeatures,
        int freezeAt = 0) : base(nameof(ResNet))
    {
        this.stem = stem;
        register_module("stem", stem);
        int stride = stem.Stride, channels = stem.OutChannels;
        var available = new Dictionary<string, ShapeSpec> { ["stem"] = new(channels, stride) };
        for (int i = 0; i < stages.Count; i++)
        {
            if (stages[i].Count == 0) throw new ArgumentException($"stage res{i + 2} has no blocks", nameof(stages));
            string name = $"res{i + 2}";
            var stage = nn.Sequential(stages[i].Select((b, j) => ((string)j.ToString(), (nn.Module<Tensor, Tensor>)b)).ToArray());
            register_module(name, stage);
            this.stages.Add((name, stage));
            foreach (var b in stages[i]) stride *= b.Stride;
            channels = stages[i][^1].OutChannels;
            available[name] = new ShapeSpec(channels, stride);
        }
        foreach (var f in outFeatures)
        {
            if (!available.TryGetValue(f, out var shape))
                throw new ArgumentException($"Unknown ResNet output '{f}'; available: {string.Join(", ", available.Keys)}.", nameof(outFeatures));
            outputShapes[f] = shape;
        }
        this.outFeatures = outFeatures.ToList();
        Freeze(freezeAt, stages);
    }

    /// <summary>The blocks in res2..res5 of a ResNet of <paramref name="depth"/>, or <paramref name="numBlocksPerStage"/>
    /// when it is given (four counts, each at least 1).</summary>
    public static IReadOnlyList<int> BlocksPerStage(int depth, IReadOnlyList<int>? numBlocksPerStage = null)
    {
        if (!BlocksPerDepth.TryGetValue(depth, out var blocks))
            throw new ArgumentException($"ResNet depth {depth} is not one of 18, 34, 50, 101, 152.", nameof(depth));
        if (numBlocksPerStage is null || numBlocksPerStage.Count == 0) return blocks;
        if (numBlocksPerStage.Count != 4 || numBlocksPerStage.Any(n => n < 1))
            throw new ArgumentException($"Blocks per stage must be four counts (res2..res5) of at least 1, got [{string.Join(", ", numBlocksPerStage)}].",
                nameof(numBlocksPerStage));
        return numBlocksPerStage.ToArray();
    }

    /// <summary>Builds a standard ResNet (detectron2's <c>build_resnet_backbone</c> without the config); the blocks per
    /// stage are <paramref name="depth"/>'s unless <paramref name="numBlocksPerStage"/> gives them.</summary>
    public static ResNet Build(int depth, IReadOnlyList<string> outFeatures, string norm = "FrozenBN", int inChannels = 3,
        int stemOutChannels = 64, int res2OutChannels = 256, int numGroups = 1, int widthPerGroup = 64,
        bool strideIn1x1 = true, int res5Dilation = 1, int freezeAt = 2, IReadOnlyList<int>? numBlocksPerStage = null)
    {
        var blocks = BlocksPerStage(depth, numBlocksPerStage);
        if (res5Dilation is not (1 or 2)) throw new ArgumentException($"res5 dilation must be 1 or 2, got {res5Dilation}.", nameof(res5Dilation));
        bool basic = depth < 50;
        if (basic && res2OutChannels != 64)
            throw new ArgumentException($"ResNet-{depth} needs RES2_OUT_CHANNELS = 64, got {res2OutChannels}.", nameof(res2OutChannels));
        if (basic && res5Dilation != 1)
            throw new ArgumentException($"ResNet-{depth} does not support res5 dilation.", nameof(res5Dilation));

        var stem = new BasicStem(inChannels, stemOutChannels, norm);
        int maxStage = outFeatures.Select(f => f == "stem" ? 1 : StageIndex(f)).DefaultIfEmpty(1).Max();
        var stages = new List<IReadOnlyList<CnnBlockBase>>();
        int inCh = stemOutChannels;
        for (int stageIdx = 2; stageIdx <= maxStage; stageIdx++)
        {
            int idx = stageIdx - 2, dilation = stageIdx == 5 ? res5Dilation : 1;
            int firstStride = idx == 0 || (stageIdx == 5 && dilation == 2) ? 1 : 2;
            int outCh = res2OutChannels << idx, bottleneck = (numGroups * widthPerGroup) << idx;
            var stage = new List<CnnBlockBase>();
            for (int b = 0; b < blocks[idx]; b++)
            {
                int s = b == 0 ? firstStride : 1;
                stage.Add(basic
                    ? new BasicBlock(inCh, outCh, s, norm)
                    : new BottleneckBlock(inCh, outCh, bottleneck, s, numGroups, norm, strideIn1x1, dilation));
                inCh = outCh;
            }
            stages.Add(stage);
        }
        return new ResNet(stem, stages, outFeatures, freezeAt);
    }

    /// <summary>MODEL.RESNETS.* (NUM_BLOCKS_PER_STAGE overriding DEPTH's blocks) and MODEL.BACKBONE.FREEZE_AT; <paramref name="inputShape"/> gives the image channels.</summary>
    public static ResNet FromConfig(RcnnConfig cfg, ShapeSpec inputShape)
    {
        var r = cfg.Model.ResNets;
        if (r.DeformOnPerStage.Any(on => on))
            throw new ConfigException("MODEL.RESNETS.DEFORM_ON_PER_STAGE: deformable convolutions are not supported by this port.", "MODEL.RESNETS.DEFORM_ON_PER_STAGE");
        try
        {
            return Build(r.Depth, r.OutFeatures, r.Norm, inputShape.Channels, r.StemOutChannels, r.Res2OutChannels,
                r.NumGroups, r.WidthPerGroup, r.StrideIn1x1, r.Res5Dilation, cfg.Model.Backbone.FreezeAt, r.NumBlocksPerStage);
        }
        catch (ArgumentException e) when (e.ParamName == "numBlocksPerStage")
        {
            throw new ConfigException($"MODEL.RESNETS.NUM_BLOCKS_PER_STAGE: {e.Message.Split(" (Parameter")[0]}", "MODEL.RESNETS.NUM_BLOCKS_PER_STAGE");
        }
    }

    /// <summary>Channels and stride of each requested output (stem and res2 at stride 4, then doubling per stage unless
    /// res5 is dilated).</summary>
    public override IReadOnlyDictionary<string, ShapeSpec> OutputShape() => outputShapes;

    /// <summary>(N, C, H, W) images to the requested outputs by name, each (N, channels, ceil(H / stride),
    /// ceil(W / stride)) as in <see cref="OutputShape"/>.</summary>
    public override Dictionary<string, Tensor> forward(Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"ResNet takes (N, C, H, W) input, got [{string.Join(", ", x.shape)}].");
        var outputs = new Dictionary<string, Tensor>();
        x = stem.call(x);
        if (outputShapes.ContainsKey("stem")) outputs["stem"] = x;
        foreach (var (name, stage) in stages)
        {
            x = stage.call(x);
            if (outputShapes.ContainsKey(name)) outputs[name] = x;
        }
        return outputs;
    }

    private void Freeze(int freezeAt, IReadOnlyList<IReadOnlyList<CnnBlockBase>> blocks)
    {
        if (freezeAt < 0 || freezeAt > 5) throw new ArgumentOutOfRangeException(nameof(freezeAt), freezeAt, "FREEZE_AT must be 0..5");
        // 1 freezes the stem, 2 the stem and res2, and so on.
        if (freezeAt >= 1) stem.Freeze();
        for (int i = 0; i < blocks.Count; i++)
            if (freezeAt >= i + 2)
                foreach (var b in blocks[i]) b.Freeze();
    }

    private static int StageIndex(string feature) =>
        feature.Length == 4 && feature.StartsWith("res") && feature[3] is >= '2' and <= '5'
            ? feature[3] - '0'
            : throw new ArgumentException($"Unknown ResNet output '{feature}'; expected stem or res2..res5.");
}
