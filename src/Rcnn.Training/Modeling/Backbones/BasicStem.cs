using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Backbones;

/// <summary>ResNet's stem: 7x7 stride-2 conv + norm + ReLU, then 3x3 stride-2 max pool; total stride 4.</summary>
public sealed class BasicStem : CnnBlockBase
{
    private readonly Conv2dWithNorm conv1;

    /// <summary>conv1: a 7x7 stride-2 conv (padding 3, no bias) from <paramref name="inChannels"/> to
    /// <paramref name="outChannels"/>, with <paramref name="norm"/> and ReLU.</summary>
    public BasicStem(int inChannels = 3, int outChannels = 64, string norm = "BN")
        : base(nameof(BasicStem), inChannels, outChannels, 4)
    {
        conv1 = new Conv2dWithNorm(inChannels, outChannels, 7, stride: 2, padding: 3, bias: false, normName: norm, relu: true);
        RegisterComponents();
    }

    /// <summary>(N, InChannels, H, W) images to (N, OutChannels, ceil(H / 4), ceil(W / 4)) features.</summary>
    public override Tensor forward(Tensor x) =>
        nn.functional.max_pool2d(conv1.call(x), kernel_size: 3, stride: 2, padding: 1);
}
