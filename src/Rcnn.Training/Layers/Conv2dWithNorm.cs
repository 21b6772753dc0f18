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

    public int InChannels { get; }

    public int OutChannels { get; }

    public Parameter Weight => weight;

    public Parameter? Bias => bias;

    public nn.Module<Tensor, Tensor>? NormLayer => norm;

    public int Stride => (int)stride[0];

    public int Padding => (int)padding[0];

    public int Dilation => (int)dilation[0];

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

    public override Tensor forward(Tensor x)
    {
        var y = nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
        if (norm is not null) y = norm.call(y);
        return relu ? nn.functional.relu(y) : y;
    }
}
