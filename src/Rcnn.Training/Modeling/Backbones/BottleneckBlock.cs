using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Backbones;

/// <summary>
/// The 1x1 -> 3x3 -> 1x1 residual block of ResNet-50 and deeper. <c>strideIn1x1</c> puts the stride on
/// the first 1x1 conv (MSRA / Caffe2 models) instead of the 3x3 (torchvision models).
/// </summary>
public sealed class BottleneckBlock : CnnBlockBase
{
    private readonly Conv2dWithNorm? shortcut;
    private readonly Conv2dWithNorm conv1;
    private readonly Conv2dWithNorm conv2;
    private readonly Conv2dWithNorm conv3;

    /// <summary>
    /// conv1 (1x1 to <paramref name="bottleneckChannels"/>), conv2 (3x3, grouped and dilated) and conv3 (1x1 to
    /// <paramref name="outChannels"/>), none biased, each with norm and ReLU after the first two; a 1x1 projection
    /// <c>shortcut</c> (stride, norm) when <paramref name="inChannels"/> and <paramref name="outChannels"/> differ.
    /// </summary>
    /// <param name="stride">Applied by conv1 or conv2 (see <paramref name="strideIn1x1"/>) and by the shortcut.</param>
    /// <param name="numGroups">Groups of the 3x3 conv (ResNeXt's cardinality; 1 for ResNet).</param>
    /// <param name="norm">Norm after each conv: "", "BN", "SyncBN", "FrozenBN" or "GN".</param>
    /// <param name="dilation">Dilation (and padding) of the 3x3 conv; 2 in a dilated res5.</param>
    public BottleneckBlock(int inChannels, int outChannels, int bottleneckChannels, int stride = 1, int numGroups = 1,
        string norm = "BN", bool strideIn1x1 = false, int dilation = 1)
        : base(nameof(BottleneckBlock), inChannels, outChannels, stride)
    {
        if (inChannels != outChannels)
            shortcut = new Conv2dWithNorm(inChannels, outChannels, 1, stride: stride, bias: false, normName: norm);
        var (stride1x1, stride3x3) = strideIn1x1 ? (stride, 1) : (1, stride);
        conv1 = new Conv2dWithNorm(inChannels, bottleneckChannels, 1, stride: stride1x1, bias: false, normName: norm, relu: true);
        conv2 = new Conv2dWithNorm(bottleneckChannels, bottleneckChannels, 3, stride: stride3x3, padding: dilation,
            dilation: dilation, groups: numGroups, bias: false, normName: norm, relu: true);
        conv3 = new Conv2dWithNorm(bottleneckChannels, outChannels, 1, bias: false, normName: norm);
        RegisterComponents();
    }

    /// <summary>(N, InChannels, H, W) to (N, OutChannels, ceil(H / Stride), ceil(W / Stride)):
    /// relu(conv3(conv2(conv1(x))) + shortcut(x)); the shortcut is the identity without a projection.</summary>
    public override Tensor forward(Tensor x)
    {
        var y = conv3.call(conv2.call(conv1.call(x)));
        y = y.Plus(shortcut is null ? x : shortcut.call(x));
        return nn.functional.relu(y);
    }
}
