using Rcnn.Training.Layers;
using Rcnn.Training.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Solver;

/// <summary>SOLVER.CLIP_GRADIENTS as detectron2 applies it: each parameter's gradient on its own, by value or by norm.</summary>
public sealed class GradientClipper
{
    private readonly string clipType;
    private readonly double clipValue, normType;

    public GradientClipper(string clipType, double clipValue, double normType = 2.0)
    {
        if (clipType is not ("value" or "norm")) throw new ArgumentException($"CLIP_TYPE must be value or norm, got '{clipType}'.", nameof(clipType));
        if (clipValue <= 0) throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "CLIP_VALUE must be positive");
        this.clipType = clipType;
        this.clipValue = clipValue;
        this.normType = normType;
    }

    public static GradientClipper? FromConfig(SolverConfig s) =>
        s.ClipGradients.Enabled ? new GradientClipper(s.ClipGradients.ClipType, s.ClipGradients.ClipValue, s.ClipGradients.NormType) : null;

    public void Clip(IEnumerable<Parameter> parameters)
    {
        using var _ = no_grad();
        foreach (var p in parameters)
        {
            var g = p.grad;
            if (g is null) continue;
            if (clipType == "value")
            {
                g.Clamp_(-clipValue, clipValue);
                continue;
            }
            double norm = double.IsPositiveInfinity(normType) ? g.abs().max().item<float>() : g.norm((float)normType).item<float>();
            double coef = clipValue / (norm + 1e-6);
            if (coef < 1) g.Times_(coef);
        }
    }
}
