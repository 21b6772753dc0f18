namespace Rcnn.Training.Config;

/// <summary><c>DATALOADER</c>.</summary>
public sealed class DataLoaderConfig
{
    [ConfigRange(Min = 0)]
    public int NumWorkers { get; set; } = 4;

    /// <summary>Batch landscape and portrait images separately to waste less padding.</summary>
    public bool AspectRatioGrouping { get; set; } = true;

    [ConfigChoice("TrainingSampler", "RepeatFactorTrainingSampler", "RandomSubsetTrainingSampler")]
    [ConfigSupported("TrainingSampler", "RepeatFactorTrainingSampler",
        Reason = "RandomSubsetTrainingSampler reads DATALOADER.RANDOM_SUBSET_RATIO, which detectron2's defaults do not define")]
    public string SamplerTrain { get; set; } = "TrainingSampler";

    [ConfigRange(Min = 0)]
    public double RepeatThreshold { get; set; }

    public bool RepeatSqrt { get; set; } = true;

    public bool FilterEmptyAnnotations { get; set; } = true;
}
