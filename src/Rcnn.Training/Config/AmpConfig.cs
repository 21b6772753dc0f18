namespace Rcnn.Training.Config;

/// <summary><c>SOLVER.AMP</c>: mixed precision training.</summary>
public sealed class AmpConfig
{
    public bool Enabled { get; set; }
}
