using Rcnn.Training.Config;

namespace Rcnn.Training.Solver;

/// <summary>
/// The learning-rate multiplier at each iteration (detectron2's <c>LRMultiplier</c> over fvcore param schedulers):
/// a warmup phase, then multi-step, cosine or fixed-gamma step decay, evaluated at where = iter / MAX_ITER.
/// Stateless: resuming at iteration i gives exactly the multiplier an uninterrupted run had there.
/// </summary>
public sealed class LrSchedule
{
    private const double WhereEpsilon = 1e-6;   // fvcore's guard against float error at step boundaries
    private readonly Func<double, double> main;
    private readonly double warmupLength, warmupStart, warmupEnd;
    private readonly bool constantWarmup, rescaleMain;

    public LrSchedule(Func<double, double> mainSchedule, int maxIter, double warmupFactor, int warmupIters,
        string warmupMethod = "linear", bool rescaleInterval = false)
    {
        if (maxIter <= 0) throw new ArgumentOutOfRangeException(nameof(maxIter), maxIter, "must be positive");
        if (warmupMethod is not ("linear" or "constant"))
            throw new ArgumentException($"Unknown warmup method '{warmupMethod}'; use linear or constant.", nameof(warmupMethod));
        main = mainSchedule;
        MaxIter = maxIter;
        warmupLength = Math.Min((double)warmupIters / maxIter, 1.0);
        warmupStart = warmupFactor * main(0.0);
        warmupEnd = main(warmupLength);
        constantWarmup = warmupMethod == "constant";
        rescaleMain = rescaleInterval;
    }

    public int MaxIter { get; }

    /// <summary>The factor that multiplies each parameter group's base LR at <paramref name="iteration"/>.</summary>
    public double Multiplier(int iteration)
    {
        double where = (double)iteration / MaxIter;
        if (where < warmupLength)
        {
            if (constantWarmup) return warmupStart;
            double t = where / warmupLength;   // warmup is rescaled to its own [0, 1)
            return warmupStart + (warmupEnd - warmupStart) * t;
        }
        double w = rescaleMain && warmupLength < 1 ? (where - warmupLength) / (1 - warmupLength) : where;
        return main(Math.Min(w, 1.0));
    }

    /// <summary>Sets every parameter group's LR to its initial LR times <see cref="Multiplier"/> at
    /// <paramref name="iteration"/>, and returns the first group's LR (for logging).</summary>
    public double ApplyTo(TorchSharp.torch.optim.Optimizer optimizer, int iteration)
    {
        double m = Multiplier(iteration), first = double.NaN;
        foreach (var g in optimizer.ParamGroups)
        {
            g.LearningRate = g.InitialLearningRate * m;
            if (double.IsNaN(first)) first = g.LearningRate;
        }
        return first;
    }

    /// <summary>SOLVER.LR_SCHEDULER_NAME and its keys, as detectron2's <c>build_lr_scheduler</c>.</summary>
    public static LrSchedule FromConfig(SolverConfig s, Action<string>? warn = null)
    {
        Func<double, double> schedule;
        switch (s.LrSchedulerName)
        {
            case "WarmupMultiStepLR":
                var steps = s.Steps.Where(x => x <= s.MaxIter).ToList();
                if (steps.Count != s.Steps.Count)
                    warn?.Invoke($"SOLVER.STEPS contains values larger than SOLVER.MAX_ITER ({s.MaxIter}); they are ignored.");
                schedule = MultiStep(steps, s.Gamma, s.MaxIter);
                break;
            case "WarmupCosineLR":
                double end = s.BaseLrEnd / s.BaseLr;
                if (end < 0 || end > 1) throw new ConfigException($"SOLVER.BASE_LR_END / BASE_LR must be in [0, 1], got {end}.", "SOLVER.BASE_LR_END");
                schedule = w => end + 0.5 * (1 - end) * (1 + Math.Cos(Math.PI * w));
                break;
            case "WarmupStepWithFixedGammaLR":
                int n = s.NumDecays + 1;
                schedule = w => Math.Pow(s.Gamma, Math.Min((int)((w + WhereEpsilon) * n), n - 1));
                break;
            default:
                throw new ConfigException($"Unknown SOLVER.LR_SCHEDULER_NAME '{s.LrSchedulerName}'.", "SOLVER.LR_SCHEDULER_NAME");
        }
        return new LrSchedule(schedule, s.MaxIter, s.WarmupFactor, s.WarmupIters, s.WarmupMethod, s.RescaleInterval);
    }

    /// <summary>gamma^k after the k-th milestone (fvcore's MultiStepParamScheduler over num_updates iterations).</summary>
    public static Func<double, double> MultiStep(IReadOnlyList<int> milestones, double gamma, int numUpdates)
    {
        for (int i = 1; i < milestones.Count; i++)
            if (milestones[i] <= milestones[i - 1])
                throw new ArgumentException($"SOLVER.STEPS must increase, got {string.Join(", ", milestones)}.", nameof(milestones));
        var ms = milestones.ToArray();
        return w =>
        {
            int epoch = (int)((w + WhereEpsilon) * numUpdates);
            int k = 0;
            while (k < ms.Length && ms[k] <= epoch) k++;   // bisect_right
            return Math.Pow(gamma, k);
        };
    }
}
