using Rcnn.Training.Config;
using Rcnn.Training.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rcnn.Training.Solver;

/// <summary>One group of parameters that share learning rate and weight decay.</summary>
public sealed record ParameterGroup(IReadOnlyList<(string Name, Parameter Parameter)> Parameters, double LearningRate, double WeightDecay);

/// <summary>
/// SGD as detectron2's <c>build_optimizer</c> sets it up: trainable parameters only, normalisation layers' parameters
/// with SOLVER.WEIGHT_DECAY_NORM, biases with BASE_LR * BIAS_LR_FACTOR and WEIGHT_DECAY_BIAS (when set), momentum and
/// Nesterov from the config; parameters with equal settings share a group.
/// </summary>
public static class OptimizerBuilder
{
    public static IReadOnlyList<ParameterGroup> DefaultParameterGroups(nn.Module model, SolverConfig s)
    {
        var seen = new HashSet<IntPtr>();
        var byKey = new Dictionary<(double Lr, double Wd), List<(string, Parameter)>>();
        foreach (var (moduleName, module) in model.named_modules().Prepend(("", model)))
        {
            bool isNorm = module is BatchNorm1d or BatchNorm2d or BatchNorm3d or GroupNorm or LayerNorm or FrozenBatchNorm2d or LocalResponseNorm;
            foreach (var (paramName, p) in module.named_parameters(recurse: false))
            {
                if (!p.requires_grad || !seen.Add(p.Handle)) continue;
                double lr = s.BaseLr, wd = isNorm ? s.WeightDecayNorm : s.WeightDecay;
                if (paramName == "bias")
                {
                    lr = s.BaseLr * s.BiasLrFactor;
                    if (s.WeightDecayBias is { } wdb) wd = wdb;
                }
                var key = (lr, wd);
                if (!byKey.TryGetValue(key, out var list)) byKey[key] = list = new List<(string, Parameter)>();
                list.Add((moduleName.Length == 0 ? paramName : $"{moduleName}.{paramName}", p));
            }
        }
        return byKey.Select(kv => new ParameterGroup(kv.Value, kv.Key.Lr, kv.Key.Wd)).ToList();
    }

    public static optim.Optimizer BuildSgd(nn.Module model, SolverConfig s)
    {
        var groups = DefaultParameterGroups(model, s);
        if (groups.Count == 0) throw new InvalidOperationException("The model has no trainable parameters.");
        var sgdGroups = groups.Select(g => new SGD.ParamGroup(g.Parameters.Select(p => p.Parameter),
            new SGD.Options { LearningRate = g.LearningRate, momentum = s.Momentum, weight_decay = g.WeightDecay, nesterov = s.Nesterov }));
        return new Sgd(sgdGroups, s.BaseLr, s.Momentum, s.WeightDecay, s.Nesterov);
    }
}
