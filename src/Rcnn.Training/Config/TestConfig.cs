namespace Rcnn.Training.Config;

/// <summary><c>TEST</c>: evaluation period and inference limits.</summary>
public sealed class TestConfig
{
    /// <summary>Iterations between evaluations during training; 0 evaluates only at the end.</summary>
    [ConfigRange(Min = 0)]
    public int EvalPeriod { get; set; }

    [ConfigRange(Min = 0, MinExclusive = true)]
    public List<double> KeypointOksSigmas { get; set; } = [];

    [ConfigRange(Min = 1)]
    public int DetectionsPerImage { get; set; } = 100;

    public TestAugConfig Aug { get; } = new();
    public PreciseBnConfig PreciseBn { get; } = new();
}
