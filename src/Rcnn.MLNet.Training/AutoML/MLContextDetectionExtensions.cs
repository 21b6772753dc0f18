using Microsoft.ML;

namespace Rcnn.MLNet.AutoML;

/// <summary>The experiment's entry point on <see cref="MLContext"/>, as AutoML's <c>mlContext.Auto()</c>.</summary>
public static class MLContextDetectionExtensions
{
    /// <summary>A new detection experiment (seed 0 until <see cref="AutoML.DetectionExperiment.SetSeed"/>; defaults: 600 s, successive halving).</summary>
    public static DetectionExperiment DetectionExperiment(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new DetectionExperiment();
    }
}
