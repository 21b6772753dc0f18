using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Backbones;

/// <summary>
/// A feature extractor: maps an (N, C, H, W) image batch to named feature maps (detectron2's <c>Backbone</c>).
/// </summary>
public abstract class Backbone : nn.Module<Tensor, Dictionary<string, Tensor>>
{
    /// <summary>Names the module (its TorchSharp module name); subclasses register their layers.</summary>
    protected Backbone(string name) : base(name) { }

    /// <summary>Channels and stride of each output feature, by name.</summary>
    public abstract IReadOnlyDictionary<string, ShapeSpec> OutputShape();

    /// <summary>Inputs are padded to a multiple of this (0 = no constraint), e.g. 32 for FPN so that every
    /// top-down upsampling lands exactly on the lateral map.</summary>
    public virtual int SizeDivisibility => 0;

    /// <summary>Pad inputs to a fixed square of this size instead (0 = off).</summary>
    public virtual int SquarePad => 0;
}
