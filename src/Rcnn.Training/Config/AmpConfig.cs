namespace Rcnn.Training.Config;

/// <summary><c>SOLVER.AMP</c>: mixed precision training.</summary>
public sealed class AmpConfig
{
    [ConfigSupported(false, Reason = "mixed precision is a CUDA feature; this port trains in float32 on the CPU")]
    public bool Enabled { get; set; }
}
