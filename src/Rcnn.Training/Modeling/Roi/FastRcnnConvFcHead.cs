using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Roi;

/// <summary>
/// The box head (detectron2's <c>FastRCNNConvFCHead</c>): NUM_CONV 3x3 convs (conv1..), then NUM_FC fully connected
/// layers (fc1..), each followed by ReLU.
/// </summary>
[RegisterModule(RegistryKind.RoiBoxHead, "FastRCNNConvFCHead")]
public sealed class FastRcnnConvFcHead : nn.Module<Tensor, Tensor>, IBoxHead
{
    private readonly List<Conv2dWithNorm> convs = new();
    private readonly List<Linear> fcs = new();

    /// <summary>
    /// conv1.. (3x3, padding 1, <paramref name="convNorm"/>, ReLU; biased only without a norm) of
    /// <paramref name="convDims"/> channels, then fc1.. (Xavier-filled, ReLU) of <paramref name="fcDims"/> outputs;
    /// at least one layer in all.
    /// </summary>
    /// <param name="inputShape">The pooled region's channels, height and width (height and width required).</param>
    /// <param name="convNorm">Norm after each conv: "", "BN", "SyncBN", "FrozenBN" or "GN".</param>
    public FastRcnnConvFcHead(ShapeSpec inputShape, IReadOnlyList<int> convDims, IReadOnlyList<int> fcDims, string convNorm = "")
        : base(nameof(FastRcnnConvFcHead))
    {
        if (inputShape.Height is null || inputShape.Width is null)
            throw new ArgumentException("The box head needs the pooled feature height and width.", nameof(inputShape));
        if (convDims.Count + fcDims.Count == 0)
            throw new ArgumentException("The box head needs at least one conv or fc layer.", nameof(convDims));
        int channels = inputShape.Channels, h = inputShape.Height.Value, w = inputShape.Width.Value;
        for (int i = 0; i < convDims.Count; i++)
        {
            var conv = new Conv2dWithNorm(channels, convDims[i], 3, padding: 1, bias: convNorm.Length == 0, normName: convNorm, relu: true);
            register_module($"conv{i + 1}", conv);
            convs.Add(conv);
            channels = convDims[i];
        }
        long flat = (long)channels * h * w;
        for (int i = 0; i < fcDims.Count; i++)
        {
            var fc = nn.Linear(flat, fcDims[i]);
            WeightInit.C2XavierFill(fc.weight!, fc.bias);
            register_module($"fc{i + 1}", fc);
            fcs.Add(fc);
            flat = fcDims[i];
        }
        OutputShape = fcDims.Count > 0 ? new ShapeSpec((int)flat) : new ShapeSpec(channels, 0, h, w);
    }

    /// <summary>detectron2's <c>FastRCNNConvFCHead.from_config</c>: NUM_CONV convs of CONV_DIM with NORM, then NUM_FC fcs of FC_DIM.</summary>
    public static FastRcnnConvFcHead FromConfig(RcnnConfig cfg, ShapeSpec inputShape)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        var box = cfg.Model.RoiBoxHead;
        return new FastRcnnConvFcHead(inputShape, Enumerable.Repeat(box.ConvDim, box.NumConv).ToArray(),
            Enumerable.Repeat(box.FcDim, box.NumFc).ToArray(), box.Norm);
    }

    /// <summary>Channels (and height/width when no fc flattens them) of the output.</summary>
    public ShapeSpec OutputShape { get; }

    /// <summary>(R, C, P, P) pooled regions to (R, last FC dim) when there are fcs (flattened before the first),
    /// else to (R, last conv dim, P, P).</summary>
    public override Tensor forward(Tensor x)
    {
        foreach (var c in convs) x = c.call(x);
        if (fcs.Count > 0)
        {
            x = x.flatten(1);
            foreach (var fc in fcs) x = nn.functional.relu(fc.call(x));
        }
        return x;
    }
}
