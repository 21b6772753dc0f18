using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Modeling.Backbones;

/// <summary>FPN's extra top level: P6 = P5 subsampled by a 1x1 stride-2 max pool.</summary>
public sealed class LastLevelMaxPool : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the block; it has no parameters.</summary>
    public LastLevelMaxPool() : base(nameof(LastLevelMaxPool)) { }

    /// <summary>The FPN output this block reads.</summary>
    public string InFeature => "p5";

    /// <summary>Levels this block adds past the FPN's coarsest one: 1 (p6).</summary>
    public int NumLevels => 1;

    /// <summary>(N, C, H, W) p5 to (N, C, ceil(H / 2), ceil(W / 2)) p6.</summary>
    public override Tensor forward(Tensor p5) => nn.functional.max_pool2d(p5, kernel_size: 1, stride: 2, padding: 0);
}
