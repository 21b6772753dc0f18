namespace Rcnn.MLNet.Serving;

/// <summary>Settings of a <see cref="DetectionService"/> and the endpoints that serve it.</summary>
public sealed class DetectionServiceOptions
{
    /// <summary>Prediction engines kept for concurrent requests; requests beyond them wait. Default: one per core
    /// (ONNX Runtime already spreads each request over the cores, so more engines only add memory).</summary>
    public int Engines { get; set; } = Environment.ProcessorCount;

    /// <summary>The largest upload accepted, in bytes; a larger one gets 413. Default 20 MB.</summary>
    public long MaxRequestBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Detections scoring below this are left out unless the request's <c>?threshold=</c> says otherwise.</summary>
    public float ScoreThreshold { get; set; } = 0.5f;

    internal void Validate()
    {
        if (Engines < 1) throw new ArgumentOutOfRangeException(nameof(Engines), Engines, "Engines must be at least 1.");
        if (MaxRequestBytes < 1) throw new ArgumentOutOfRangeException(nameof(MaxRequestBytes), MaxRequestBytes, "MaxRequestBytes must be positive.");
        if (ScoreThreshold is < 0 or > 1 || float.IsNaN(ScoreThreshold))
            throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), ScoreThreshold, "ScoreThreshold must be in [0, 1].");
    }
}
