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

    public Backbone BottomUp => bottom_up;

    /// <summary>The bottom-up features the FPN reads, finest first; lateral/output convs are in the same order.</summary>
    public IReadOnlyList<string> InFeatures => inFeatures;

    public IReadOnlyList<Conv2dWithNorm> LateralConvs => lateralConvs;

    public IReadOnlyList<Conv2dWithNorm> OutputConvs => outputConvs;

    public LastLevelMaxPool? TopBlock => top_block;

    /// <summary>"sum" or "avg" (MODEL.FPN.FUSE_TYPE).</summary>
    public string FuseType => average ? "avg" : "sum";

    public override IReadOnlyDictionary<string, ShapeSpec> OutputShape() => outputShapes;

    public override int SizeDivisibility => sizeDivisibility;

    public override int SquarePad => squarePad;

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
