using Rcnn.Training.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Diagnostics;

/// <summary>
/// Counts the multiply-add FLOPs of the convolutions and fully-connected layers a model really runs, from each layer's
/// weight and the output shape of each call (forward hooks on every <see cref="Conv2dWithNorm"/>, <see cref="Conv2d"/>
/// and <see cref="Linear"/>): conv 2 * Cin/groups * kh * kw * Cout * Hout * Wout per image, fc 2 * in * out per row.
/// A layer called several times (the RPN head on every FPN level) counts every call. Biases, norms, activations,
/// pooling and ROIAlign are not counted: they are a few percent of a detector's arithmetic and not GEMM-shaped.
/// Dispose removes the hooks.
/// </summary>
public sealed class FlopCounter : IDisposable
{
    private readonly List<Action> removers = new();
    private readonly Dictionary<string, (double Flops, bool IsConv)> byLayer = new();

    public FlopCounter(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var all = model.named_modules().Prepend(("", model));
        foreach (var (name, module) in all)
        {
            switch (module)
            {
                case Conv2dWithNorm c: Hook(c, name, () => c.Weight); break;
                case Conv2d c: Hook(c, name, () => c.weight!); break;
                case Linear l: Hook(l, name, () => l.weight!); break;
            }
        }
        if (removers.Count == 0)
            throw new ArgumentException($"{model.GetType().Name} has no Conv2d, Conv2dWithNorm or Linear layer to count.", nameof(model));
    }

    /// <summary>Convolution FLOPs counted since creation or <see cref="Reset"/>.</summary>
    public double ConvFlops => byLayer.Values.Where(v => v.IsConv).Sum(v => v.Flops);

    /// <summary>Fully-connected FLOPs counted since creation or <see cref="Reset"/>.</summary>
    public double FcFlops => byLayer.Values.Where(v => !v.IsConv).Sum(v => v.Flops);

    public double TotalFlops => ConvFlops + FcFlops;

    /// <summary>FLOPs per layer, by the layer's name in the model (e.g. <c>backbone.bottom_up.res2.0.conv1</c>).</summary>
    public IReadOnlyDictionary<string, double> ByLayer => byLayer.ToDictionary(kv => kv.Key, kv => kv.Value.Flops);

    /// <summary>FLOPs of the layers whose name starts with <paramref name="prefix"/> (e.g. "backbone.").</summary>
    public double FlopsUnder(string prefix) => byLayer.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(kv => kv.Value.Flops);

    public void Reset() => byLayer.Clear();

    private void Hook(nn.Module<Tensor, Tensor> layer, string name, Func<Tensor> weight)
    {
        var remover = layer.register_forward_hook((_, _, output) =>
        {
            Add(name, weight(), output);
            return null!;
        });
        removers.Add(remover.remove);
    }

    private void Add(string name, Tensor weight, Tensor output)
    {
        bool conv = weight.dim() == 4;
        double flops;
        if (conv)
        {
            // weight (Cout, Cin/groups, kh, kw), output (N, Cout, Hout, Wout): each output value is Cin/groups*kh*kw MACs.
            flops = 2.0 * weight.numel() * output.shape[0] * output.shape[2] * output.shape[3];
        }
        else
        {
            // weight (out, in), output (..., out): each output row is in*out MACs.
            long rows = output.numel() / weight.shape[0];
            flops = 2.0 * weight.numel() * rows;
        }
        var old = byLayer.GetValueOrDefault(name);
        byLayer[name] = (old.Flops + flops, conv);
    }

    public void Dispose()
    {
        foreach (var r in removers) r();
        removers.Clear();
    }
}
