using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Backbones;

/// <summary>
/// Feature Pyramid Network over a bottom-up backbone (detectron2's <c>FPN</c>): a 1x1 lateral and a 3x3 output conv
/// per input level (<c>fpn_lateral{stage}</c>, <c>fpn_output{stage}</c>), a top-down path of 2x nearest upsampling
/// summed with the laterals, outputs p{stage}, plus an optional top block (p6).
/// </summary>
[RegisterModule(RegistryKind.Backbone, "build_resnet_fpn_backbone")]
public sealed class Fpn : Backbone
{
    private readonly Backbone bottom_up;
    private readonly LastLevelMaxPool? top_block;
    private readonly List<Conv2dWithNorm> lateralConvs = new();
    private readonly List<Conv2dWithNorm> outputConvs = new();
    private readonly IReadOnlyList<string> inFeatures;
    private readonly Dictionary<string, ShapeSpec> outputShapes = new();
    private readonly bool average;
    private readonly int sizeDivisibility;
    private readonly int squarePad;

    /// <summary>
    /// Builds a 1x1 lateral and a 3x3 output conv per <paramref name="inFeatures"/> level (Xavier-filled, biased only
    /// without a norm); level i gives p{stage}, stage = log2 of its stride, and the top block the levels after.
    /// </summary>
    /// <param name="bottomUp">The network whose features the FPN reads (<c>bottom_up</c>), e.g. a ResNet.</param>
    /// <param name="inFeatures">Bottom-up outputs to use, finest first, each at twice the previous stride
    /// (MODEL.FPN.IN_FEATURES, e.g. res2..res5).</param>
    /// <param name="outChannels">Channels of every output level (MODEL.FPN.OUT_CHANNELS).</param>
    /// <param name="norm">Norm of the lateral and output convs (MODEL.FPN.NORM); "" for none.</param>
    /// <param name="topBlock">Extra levels past the coarsest one, e.g. <see cref="LastLevelMaxPool"/> for p6; null for
    /// none.</param>
    /// <param name="fuseType">How a lateral and the upsampled coarser level combine: "sum" or "avg"
    /// (MODEL.FPN.FUSE_TYPE).</param>
    /// <param name="squarePad">Side of the square the inputs are padded to; 0 = off.</param>
    public Fpn(Backbone bottomUp, IReadOnlyList<string> inFeatures, int outChannels, string norm = "",
        LastLevelMaxPool? topBlock = null, string fuseType = "sum", int squarePad = 0) : base(nameof(Fpn))
    {
        if (inFeatures.Count == 0) throw new ArgumentException("FPN needs at least one input feature.", nameof(inFeatures));
        if (fuseType is not ("sum" or "avg")) throw new ArgumentException($"FUSE_TYPE must be sum or avg, got '{fuseType}'.", nameof(fuseType));
        var inputShapes = bottomUp.OutputShape();
        var strides = new List<int>();
        foreach (var f in inFeatures)
        {
            if (!inputShapes.TryGetValue(f, out var s))
                throw new ArgumentException($"FPN input '{f}' is not a bottom-up output ({string.Join(", ", inputShapes.Keys)}).", nameof(inFeatures));
            strides.Add(s.Stride);
        }
        for (int i = 1; i < strides.Count; i++)
            if (strides[i] != 2 * strides[i - 1])
                throw new ArgumentException($"FPN inputs must double in stride, got {string.Join(", ", strides)}.", nameof(inFeatures));

        bottom_up = bottomUp;
        register_module("bottom_up", bottomUp);
        bool useBias = norm.Length == 0;
        for (int i = 0; i < inFeatures.Count; i++)
        {
            int stage = (int)Math.Round(Math.Log2(strides[i]));
            var lateral = new Conv2dWithNorm(inputShapes[inFeatures[i]].Channels, outChannels, 1, bias: useBias, normName: norm);
            var output = new Conv2dWithNorm(outChannels, outChannels, 3, padding: 1, bias: useBias, normName: norm);
            WeightInit.C2XavierFill(lateral.Weight, lateral.Bias);
            WeightInit.C2XavierFill(output.Weight, output.Bias);
            register_module($"fpn_lateral{stage}", lateral);
            register_module($"fpn_output{stage}", output);
            lateralConvs.Add(lateral);
            outputConvs.Add(output);
            outputShapes[$"p{stage}"] = new ShapeSpec(outChannels, strides[i]);
        }
        if (topBlock is not null)
        {
            top_block = topBlock;
            register_module("top_block", topBlock);
            int last = (int)Math.Round(Math.Log2(strides[^1]));
            for (int k = 1; k <= topBlock.NumLevels; k++)
                outputShapes[$"p{last + k}"] = new ShapeSpec(outChannels, strides[^1] << k);
        }
        this.inFeatures = inFeatures.ToList();
        average = fuseType == "avg";
        sizeDivisibility = strides[^1];
        this.squarePad = squarePad;
    }

    /// <summary>detectron2's <c>build_resnet_fpn_backbone</c>: a ResNet from MODEL.RESNETS.*, then FPN over
    /// MODEL.FPN.IN_FEATURES with a max-pool P6.</summary>
    public static Fpn FromConfig(RcnnConfig cfg, ShapeSpec inputShape)
    {
        var f = cfg.Model.Fpn;
        return new Fpn(ResNet.FromConfig(cfg, inputShape), f.InFeatures, f.OutChannels, f.Norm, new LastLevelMaxPool(), f.FuseType);
    }

    /// <summary>The network whose features the FPN reads (module <c>bottom_up</c>).</summary>
    public Backbone BottomUp => bottom_up;

    /// <summary>The bottom-up features the FPN reads, finest first; lateral/output convs are in the same order.</summary>
    public IReadOnlyList<string> InFeatures => inFeatures;

    /// <summary>The 1x1 lateral convs (<c>fpn_lateral{stage}</c>), input level's channels to the output channels, in
    /// <see cref="InFeatures"/> order.</summary>
    public IReadOnlyList<Conv2dWithNorm> LateralConvs => lateralConvs;

    /// <summary>The 3x3 output convs (<c>fpn_output{stage}</c>) giving p{stage}, in <see cref="InFeatures"/>
    /// order.</summary>
    public IReadOnlyList<Conv2dWithNorm> OutputConvs => outputConvs;

    /// <summary>Adds the levels past the coarsest input (p6 from p5; module <c>top_block</c>), or null.</summary>
    public LastLevelMaxPool? TopBlock => top_block;

    /// <summary>"sum" or "avg" (MODEL.FPN.FUSE_TYPE).</summary>
    public string FuseType => average ? "avg" : "sum";

    /// <summary>Output channels and stride of each p{stage}, finest first: one per input level, then the top block's
    /// (stride doubling per extra level).</summary>
    public override IReadOnlyDictionary<string, ShapeSpec> OutputShape() => outputShapes;

    /// <summary>The coarsest input's stride (32 for res2..res5), so every 2x upsampling lands on its lateral.</summary>
    public override int SizeDivisibility => sizeDivisibility;

    /// <summary>Side of the square inputs are padded to, as given to the constructor; 0 = off.</summary>
    public override int SquarePad => squarePad;

    /// <summary>
    /// (N, C, H, W) images (padded to <see cref="SizeDivisibility"/>) to the p{stage} maps by name, each
    /// (N, out channels, H / stride, W / stride). Top-down from the coarsest level: a lateral plus the 2x nearest
    /// upsampled coarser sum (halved for "avg"), then the output conv; the top block reads p5.
    /// </summary>
    public override Dictionary<string, Tensor> forward(Tensor x)
    {
        var bottom = bottom_up.call(x);
        int n = inFeatures.Count;
        var results = new Tensor[n];
        var prev = lateralConvs[n - 1].call(bottom[inFeatures[n - 1]]);
        results[n - 1] = outputConvs[n - 1].call(prev);
        for (int i = n - 2; i >= 0; i--)
        {
            var topDown = nn.functional.interpolate(prev, scale_factor: new double[] { 2, 2 }, mode: InterpolationMode.Nearest);
            prev = lateralConvs[i].call(bottom[inFeatures[i]]).Plus(topDown);
            if (average) prev = prev.Over(2);
            results[i] = outputConvs[i].call(prev);
        }
        var outputs = new Dictionary<string, Tensor>();
        var names = outputShapes.Keys.ToList();
        for (int i = 0; i < n; i++) outputs[names[i]] = results[i];
        if (top_block is not null) outputs[names[n]] = top_block.call(outputs[top_block.InFeature]);
        return outputs;
    }
}
