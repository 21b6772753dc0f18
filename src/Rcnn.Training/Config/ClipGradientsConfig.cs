namespace Rcnn.Training.Config;

/// <summary><c>SOLVER.CLIP_GRADIENTS</c>.</summary>
public sealed class ClipGradientsConfig
{
    public bool Enabled { get; set; }

    /// <summary>"value" clamps each element; "norm" rescales by the gradient norm of order NORM_TYPE.</summary>
    [ConfigChoice("value", "norm")]
    public string ClipType { get; set; } = "value";

    [ConfigRange(Min = 0, MinExclusive = true)]
    public double ClipValue { get; set; } = 1.0;

    [ConfigRange(Min = 0, MinExclusive = true)]
    public double NormType { get; set; } = 2.0;
}
