using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Layers;

/// <summary>
/// Batch norm with fixed statistics and affine parameters (detectron2's <c>FrozenBatchNorm2d</c>): four buffers,
/// initialised so the layer is an exact identity (running_var = 1 - eps, so var + eps = 1).
/// </summary>
public sealed class FrozenBatchNorm2d : nn.Module<Tensor, Tensor>
{
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly Tensor running_mean;
    private readonly Tensor running_var;

    /// <summary>An identity layer over <paramref name="numFeatures"/> channels: weight 1, bias 0, running_mean 0 and
    /// running_var 1 - eps, each a (C,) float32 buffer (not a parameter) that checkpoints load into.</summary>
    public FrozenBatchNorm2d(int numFeatures, double eps = 1e-5) : base(nameof(FrozenBatchNorm2d))
    {
        if (numFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(numFeatures), numFeatures, "must be positive");
        NumFeatures = numFeatures;
        Eps = eps;
        weight = ones(numFeatures);
        bias = zeros(numFeatures);
        running_mean = zeros(numFeatures);
        running_var = ones(numFeatures).Minus(eps);
        RegisterComponents();
    }

    /// <summary>Channel count C.</summary>
    public int NumFeatures { get; }

    /// <summary>Added to running_var before the square root, as in BatchNorm.</summary>
    public double Eps { get; }

    /// <summary>(N, C, H, W) to the same shape: per channel, x * scale + shift, with scale = weight / sqrt(running_var
    /// + eps) and shift = bias - running_mean * scale. Gradients flow to x only; the buffers never change.</summary>
    public override Tensor forward(Tensor x)
    {
        // Folded into one multiply-add; gradients still flow to x (frozen layers sit inside trainable stages).
        var scale = weight * running_var.Plus(Eps).rsqrt();
        var shift = bias - running_mean * scale;
        return (x * scale.view(1, -1, 1, 1)).Plus(shift.view(1, -1, 1, 1));
    }

    /// <summary>A frozen copy of a trained <see cref="BatchNorm2d"/>'s statistics and affine parameters.</summary>
    public static FrozenBatchNorm2d FromBatchNorm(BatchNorm2d bn)
    {
        var frozen = new FrozenBatchNorm2d((int)bn.running_mean!.shape[0], bn.eps);
        using var _ = no_grad();
        if (bn.weight is not null) frozen.weight.copy_(bn.weight);
        if (bn.bias is not null) frozen.bias.copy_(bn.bias);
        frozen.running_mean.copy_(bn.running_mean);
        frozen.running_var.copy_(bn.running_var!);
        return frozen;
    }
}
