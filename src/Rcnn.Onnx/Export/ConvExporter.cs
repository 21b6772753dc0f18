using Rcnn.Training.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Export;

/// <summary>
/// <see cref="Conv2dWithNorm"/> as one ONNX Conv (batch norms folded into its weight and bias), optionally followed
/// by GroupNorm and Relu.
/// </summary>
internal static class ConvExporter
{
    public static string Emit(OnnxGraphBuilder g, Conv2dWithNorm conv, string path, string x)
    {
        string y;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            // Fold in float64 so the folded weights round once, not twice.
            var w = conv.Weight.detach().to(ScalarType.Float64);
            var b = conv.Bias?.detach().to(ScalarType.Float64);
            if (FoldedAffine(conv.NormLayer, ExportPath.Join(path, "norm")) is var (scale, shift))
            {
                w = w * scale.view(-1, 1, 1, 1);
                b = b is null ? shift : (b * scale).Plus(shift);
            }
            long k = w.shape[2];
            var inputs = new List<string> { x, g.AddInitializer(ExportPath.Join(path, "weight"), w.to(ScalarType.Float32)) };
            if (b is not null) inputs.Add(g.AddInitializer(ExportPath.Join(path, "bias"), b.to(ScalarType.Float32)));
            y = g.AddNode("Conv", ExportPath.Node(path, "Conv"), inputs,
                OnnxAttribute.Ints("kernel_shape", k, w.shape[3]),
                OnnxAttribute.Ints("strides", conv.Stride, conv.Stride),
                OnnxAttribute.Ints("pads", conv.Padding, conv.Padding, conv.Padding, conv.Padding),
                OnnxAttribute.Ints("dilations", conv.Dilation, conv.Dilation),
                OnnxAttribute.Int("group", conv.Groups));
        }
        if (conv.NormLayer is GroupNorm gn) y = GroupNormExporter.Emit(g, gn, ExportPath.Join(path, "norm"), y);
        return conv.HasRelu ? g.AddNode("Relu", ExportPath.Node(path, "Relu"), new[] { y }) : y;
    }

    /// <summary>Per-channel (scale, shift) of a batch norm in inference mode; null for no norm or GroupNorm.</summary>
    private static (Tensor Scale, Tensor Shift)? FoldedAffine(nn.Module<Tensor, Tensor>? norm, string path)
    {
        switch (norm)
        {
            case null or GroupNorm:
                return null;
            case FrozenBatchNorm2d frozen:
            {
                var buffers = frozen.named_buffers().ToDictionary(b => b.name, b => b.buffer.detach().to(ScalarType.Float64));
                return Affine(buffers["weight"], buffers["bias"], buffers["running_mean"], buffers["running_var"], frozen.Eps);
            }
            case BatchNorm2d bn:
            {
                // Exported graphs are for inference; a training-mode BN would normalise by batch statistics instead.
                if (bn.training)
                    throw new InvalidOperationException($"BatchNorm '{path}' is in training mode; call eval() on the model before exporting.");
                int c = (int)bn.running_mean!.shape[0];
                var weight = bn.weight?.detach().to(ScalarType.Float64) ?? ones(c, ScalarType.Float64);
                var bias = bn.bias?.detach().to(ScalarType.Float64) ?? zeros(c, ScalarType.Float64);
                return Affine(weight, bias, bn.running_mean.to(ScalarType.Float64), bn.running_var!.to(ScalarType.Float64), bn.eps);
            }
            default:
                throw ExportPath.Unsupported(path, norm);
        }
    }

    private static (Tensor, Tensor) Affine(Tensor weight, Tensor bias, Tensor mean, Tensor var, double eps)
    {
        var scale = weight / var.Plus(eps).sqrt();
        return (scale, bias - mean * scale);
    }
}
