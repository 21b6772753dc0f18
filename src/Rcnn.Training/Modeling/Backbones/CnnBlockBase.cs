using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Backbones;

/// <summary>A block with known input/output channels and stride that can be frozen (detectron2's <c>CNNBlockBase</c>).</summary>
public abstract class CnnBlockBase : nn.Module<Tensor, Tensor>
{
    /// <summary>Records the channel counts and total stride; <paramref name="name"/> is the module name.</summary>
    protected CnnBlockBase(string name, int inChannels, int outChannels, int stride) : base(name)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Stride = stride;
    }

    /// <summary>C of the block's (N, C, H, W) input.</summary>
    public int InChannels { get; }

    /// <summary>C of the block's (N, C, H, W) output.</summary>
    public int OutChannels { get; }

    /// <summary>How much the block downsamples H and W: 4 for the stem, 1 or 2 for a residual block.</summary>
    public int Stride { get; }

    /// <summary>Stops training this block: no gradients for its parameters and BatchNorms become frozen.</summary>
    public CnnBlockBase Freeze()
    {
        foreach (var p in parameters()) p.requires_grad = false;
        foreach (var m in modules())
            if (m is Conv2dWithNorm conv) conv.FreezeNorm();
        return this;
    }
}
