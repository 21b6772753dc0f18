namespace Rcnn.Training.Evaluation;

/// <summary>
/// pycocotools' bbox evaluation settings. The thresholds are built the way numpy's linspace builds them
/// (start + i * step, last value set to stop), so they hold the same doubles: e.g. the 9th IoU threshold is
/// 0.8999999999999999, not 0.9, and that matters for exact ties.
/// </summary>
public sealed class CocoEvalParams
{
    public const double MaxArea = 1e5 * 1e5;

    public CocoEvalParams(IReadOnlyList<int>? maxDets = null)
    {
        var m = (maxDets ?? [1, 10, 100]).ToArray();
        if (m.Length != 3 || m[0] < 1 || m[0] > m[1] || m[1] > m[2])
            throw new ArgumentException($"maxDets must be three ascending positive counts, got [{string.Join(", ", m)}].", nameof(maxDets));
        MaxDets = m;
    }

    /// <summary>T = 10 IoU thresholds, 0.50:0.05:0.95.</summary>
    public IReadOnlyList<double> IouThresholds { get; } = Linspace(0.5, 0.95, (int)Math.Round((0.95 - 0.5) / 0.05) + 1);

    /// <summary>R = 101 recall thresholds, 0:0.01:1.</summary>
    public IReadOnlyList<double> RecallThresholds { get; } = Linspace(0.0, 1.0, (int)Math.Round((1.0 - 0.0) / 0.01) + 1);

    /// <summary>A = 4 ground-truth area ranges, both ends inclusive: all, small, medium, large.</summary>
    public IReadOnlyList<(string Label, double Min, double Max)> AreaRanges { get; } =
    [
        ("all", 0, MaxArea),
        ("small", 0, 32 * 32),
        ("medium", 32 * 32, 96 * 96),
        ("large", 96 * 96, MaxArea),
    ];

    /// <summary>M = 3 caps on detections per image, ascending; matching itself runs with the last.</summary>
    public IReadOnlyList<int> MaxDets { get; }

    internal static double[] Linspace(double start, double stop, int num)
    {
        var y = new double[num];
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) y[i] = i * step + start;
        y[num - 1] = stop;
        return y;
    }
}
