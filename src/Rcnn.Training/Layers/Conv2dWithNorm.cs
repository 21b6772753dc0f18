using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>
/// A 2-D convolution with an optional norm and activation applied after it (detectron2's <c>layers.Conv2d</c>).
/// Parameters are named as detectron2's checkpoints name them: <c>weight</c>, <c>bias</c>, <c>norm.*</c>.
/// </summary>
public sealed class Conv2dWithNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private nn.Module<Tensor, Tensor>? norm;
    private readonly long[] stride, padding, dilation;
    private readonly long groups;
    private readonly bool relu;

    /// <summary>A kernelSize x kernelSize convolution from inChannels to outChannels, then the norm, then ReLU if
    /// asked. The weight is initialised by c2_msra_fill (Kaiming normal, fan-out, ReLU gain), the bias to 0.</summary>
    /// <param name="stride">Stride, used on both axes; so are <paramref name="padding"/> and
    /// <paramref name="dilation"/>.</param>
    /// <param name="groups">Channel groups; <paramref name="inChannels"/> and <paramref name="outChannels"/> must be
    /// multiples of it.</param>
    /// <param name="bias">Whether to learn a bias (detectron2 leaves it out where a norm follows).</param>
    /// <param name="normName">One of <see cref="Norm.Supported"/>: "" for none, "BN", "SyncBN", "FrozenBN", "GN".
    /// </param>
    /// <param name="relu">Whether a ReLU follows the norm.</param>
    public Conv2dWithNorm(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1, bool bias = true, string normName = "", bool relu = false)
        : base(nameof(Conv2dWithNorm))
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"channels {inChannels}->{outChannels} are not divisible by groups={groups}", nameof(groups));
        InChannels = inChannels;
        OutChannels = outChannels;
        weight = new Parameter(empty(outChannels, inChannels / groups, kernelSize, kernelSize));
        if (bias) this.bias = new Parameter(zeros(outChannels));
        norm = Norm.Create(normName, outChannels);
        this.stride = new long[] { stride, stride };
        this.padding = new long[] { padding, padding };
        this.dilation = new long[] { dilation, dilation };
        this.groups = groups;
        this.relu = relu;
        RegisterComponents();
        WeightInit.C2MsraFill(this.weight, this.bias);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>(OutChannels, InChannels / Groups, k, k) kernel; checkpoint name <c>weight</c>.</summary>
    public Parameter Weight => weight;

    /// <summary>(OutChannels,) bias (checkpoint name <c>bias</c>), or null when built without one.</summary>
    public Parameter? Bias => bias;

    /// <summary>The norm after the convolution (checkpoint names <c>norm.*</c>): BatchNorm2d, FrozenBatchNorm2d or
    /// GroupNorm over OutChannels, or null for none.</summary>
    public nn.Module<Tensor, Tensor>? NormLayer => norm;

    /// <summary>Stride, the same on both axes.</summary>
    public int Stride => (int)stride[0];

    /// <summary>Zero padding on each side, the same on both axes.</summary>
    public int Padding => (int)padding[0];

    /// <summary>Dilation, the same on both axes.</summary>
    public int Dilation => (int)dilation[0];

    /// <summary>Channel groups (1 for a dense convolution).</summary>
    public int Groups => (int)groups;

    /// <summary>Whether a ReLU follows the norm.</summary>
    public bool HasRelu => relu;

    /// <summary>Turns a BatchNorm into a <see cref="FrozenBatchNorm2d"/> with the same statistics (detectron2's
    /// <c>convert_frozen_batchnorm</c>), so frozen stages never update running statistics.</summary>
    public void FreezeNorm()
    {
        if (norm is not BatchNorm2d bn) return;
        var frozen = FrozenBatchNorm2d.FromBatchNorm(bn);
        register_module("norm", null!);
        norm = frozen;
        register_module("norm", frozen);
    }

    /// <summary>(N, InChannels, H, W) to (N, OutChannels, H', W'): the convolution, then the norm, then ReLU when
    /// <see cref="HasRelu"/>; H' = floor((H + 2 * Padding - Dilation * (k - 1) - 1) / Stride) + 1,
    /// W' likewise.</summary>
    public override Tensor forward(Tensor x)
    {
        var y = nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
        if (norm is not null) y = norm.call(y);
        return relu ? nn.functional.relu(y) : y;
    }
}
