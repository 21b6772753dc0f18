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

    public int NumFeatures { get; }

    public double Eps { get; }

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
