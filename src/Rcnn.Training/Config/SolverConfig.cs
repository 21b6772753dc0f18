namespace Rcnn.Training.Config;

/// <summary><c>SOLVER</c>: SGD, the LR schedule and checkpointing.</summary>
public sealed class SolverConfig
{
    [ConfigChoice("WarmupMultiStepLR", "WarmupCosineLR", "WarmupStepWithFixedGammaLR")]
    public string LrSchedulerName { get; set; } = "WarmupMultiStepLR";

    [ConfigRange(Min = 1)]
    public int MaxIter { get; set; } = 40000;

    [ConfigRange(Min = 0, MinExclusive = true)]
    public double BaseLr { get; set; } = 0.001;

    /// <summary>Final LR of the cosine schedule.</summary>
    [ConfigRange(Min = 0)]
    public double BaseLrEnd { get; set; }

    [ConfigRange(0, 1)]
    public double Momentum { get; set; } = 0.9;

    public bool Nesterov { get; set; }

    [ConfigRange(Min = 0)]
    public double WeightDecay { get; set; } = 0.0001;

    /// <summary>Weight decay on normalization parameters (0: none).</summary>
    [ConfigRange(Min = 0)]
    public double WeightDecayNorm { get; set; }

    [ConfigRange(Min = 0, MinExclusive = true)]
    public double Gamma { get; set; } = 0.1;

    /// <summary>Iterations at which the LR is multiplied by GAMMA.</summary>
    [ConfigRange(Min = 1)]
    public List<int> Steps { get; set; } = [30000];

    [ConfigRange(Min = 1)]
    public int NumDecays { get; set; } = 3;

    [ConfigRange(0, 1)]
    public double WarmupFactor { get; set; } = 1.0 / 1000;

    [ConfigRange(Min = 0)]
    public int WarmupIters { get; set; } = 1000;

    [ConfigChoice("linear", "constant")]
    public string WarmupMethod { get; set; } = "linear";

    public bool RescaleInterval { get; set; }

    [ConfigRange(Min = 1)]
    public int CheckpointPeriod { get; set; } = 5000;

    /// <summary>Images per iteration over all workers.</summary>
    [ConfigRange(Min = 1)]
    public int ImsPerBatch { get; set; } = 16;

    /// <summary>detectron2 rescales batch size, LR and schedule from this world size to the actual one; one process here.</summary>
    [ConfigRange(Min = 0)]
    [ConfigSupported(0, 1, Reason = "training runs in one process, and rescaling a config written for more is not implemented; " +
        "scale SOLVER.IMS_PER_BATCH, BASE_LR, MAX_ITER, STEPS and WARMUP_ITERS by hand")]
    public int ReferenceWorldSize { get; set; }

    [ConfigRange(Min = 0)]
    public double BiasLrFactor { get; set; } = 1.0;

    /// <summary>null follows WEIGHT_DECAY.</summary>
    [ConfigRange(Min = 0)]
    public double? WeightDecayBias { get; set; }

    public ClipGradientsConfig ClipGradients { get; } = new();
    public AmpConfig Amp { get; } = new();
}
