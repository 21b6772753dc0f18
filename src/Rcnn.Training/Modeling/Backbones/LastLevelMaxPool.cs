using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Backbones;

/// <summary>FPN's extra top level: P6 = P5 subsampled by a 1x1 stride-2 max pool.</summary>
public sealed class LastLevelMaxPool : nn.Module<Tensor, Tensor>
{
    public LastLevelMaxPool() : base(nameof(LastLevelMaxPool)) { }

    /// <summary>The FPN output this block reads.</summary>
    public string InFeature => "p5";

    public int NumLevels => 1;

    public override Tensor forward(Tensor p5) => nn.functional.max_pool2d(p5, kernel_size: 1, stride: 2, padding: 0);
}
