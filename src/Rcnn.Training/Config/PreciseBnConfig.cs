namespace Rcnn.Training.Config;

/// <summary><c>TEST.PRECISE_BN</c>: recompute BN statistics before evaluation.</summary>
public sealed class PreciseBnConfig
{
    public bool Enabled { get; set; }

    [ConfigRange(Min = 1)]
    public int NumIter { get; set; } = 200;
}
