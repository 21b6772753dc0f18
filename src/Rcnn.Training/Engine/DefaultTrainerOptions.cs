namespace Rcnn.Training.Engine;

/// <summary>What <see cref="DefaultTrainer"/> takes besides the config: host settings that are not part of a
/// reproducible experiment (threads, logging) and the hook periods.</summary>
public sealed class DefaultTrainerOptions
{
    /// <summary>torch.set_num_threads; null uses every core.</summary>
    public int? NumThreads { get; init; }

    /// <summary>Where progress lines go (the console by default).</summary>
    public Action<string> Log { get; init; } = Console.WriteLine;

    /// <summary>Iterations between metrics.json lines and console progress lines (detectron2 writes every 20).</summary>
    public int LogPeriod { get; init; } = 20;

    /// <summary>Iterations between redraws of loss_curve.png (it is always drawn at the end).</summary>
    public int LossCurvePeriod { get; init; } = 100;

    /// <summary>More hooks, each made for the trainer that runs it, registered after evaluation and before the metric
    /// writers (where detectron2's users insert theirs into <c>build_hooks</c>), so they see each evaluation's results
    /// and their scalars land in the same metrics.json line.</summary>
    public IReadOnlyList<Func<DefaultTrainer, HookBase>> Hooks { get; init; } = [];

    /// <summary>No periodic evaluation before this iteration (e.g. the end of the warm-up); 0 follows TEST.EVAL_PERIOD
    /// from the start, as detectron2 does.</summary>
    public int EvaluateFrom { get; init; }

    /// <summary>Evaluate after training also when it stopped before SOLVER.MAX_ITER and this says so (a time budget
    /// ended it, say, but not a user's Ctrl+C), so that the last iterations are judged too.</summary>
    public Func<bool>? EvaluateWhenStopped { get; init; }

    /// <summary>Whether evaluations write their files (COCO results, PR curves, false positives) into
    /// OUTPUT_DIR/inference; a validation that only steers training needs just the numbers.</summary>
    public bool EvaluationFiles { get; init; } = true;
}
