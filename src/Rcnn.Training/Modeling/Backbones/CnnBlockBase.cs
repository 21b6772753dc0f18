using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Backbones;

/// <summary>A block with known input/output channels and stride that can be frozen (detectron2's <c>CNNBlockBase</c>).</summary>
public abstract class CnnBlockBase : nn.Module<Tensor, Tensor>
{
    protected CnnBlockBase(string name, int inChannels, int outChannels, int stride) : base(name)
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Stride = stride;
    }

    public int InChannels { get; }

    public int OutChannels { get; }

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
