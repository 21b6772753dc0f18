using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Backbones;

/// <summary>The two-3x3-conv residual block of ResNet-18/34.</summary>
public sealed class BasicBlock : CnnBlockBase
{
    private readonly Conv2dWithNorm? shortcut;
    private readonly Conv2dWithNorm conv1;
    private readonly Conv2dWithNorm conv2;

    /// <summary>
    /// conv1 (3x3, <paramref name="stride"/>, norm, ReLU) and conv2 (3x3, norm), none biased; a 1x1 projection
    /// <c>shortcut</c> (stride, norm) when <paramref name="inChannels"/> and <paramref name="outChannels"/> differ.
    /// </summary>
    /// <param name="norm">Norm after each conv: "", "BN", "SyncBN", "FrozenBN" or "GN".</param>
    public BasicBlock(int inChannels, int outChannels, int stride = 1, string norm = "BN")
        : base(nameof(BasicBlock), inChannels, outChannels, stride)
    {
        if (inChannels != outChannels)
            shortcut = new Conv2dWithNorm(inChannels, outChannels, 1, stride: stride, bias: false, normName: norm);
        conv1 = new Conv2dWithNorm(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false, normName: norm, relu: true);
        conv2 = new Conv2dWithNorm(outChannels, outChannels, 3, padding: 1, bias: false, normName: norm);
        RegisterComponents();
    }

    /// <summary>(N, InChannels, H, W) to (N, OutChannels, ceil(H / Stride), ceil(W / Stride)):
    /// relu(conv2(conv1(x)) + shortcut(x)); the shortcut is the identity without a projection.</summary>
    public override Tensor forward(Tensor x)
    {
        var y = conv2.call(conv1.call(x));
        y = y.Plus(shortcut is null ? x : shortcut.call(x));
        return nn.functional.relu(y);
    }
}
