using Rcnn.Training.Config;
using Rcnn.Training.Data.Transforms;

namespace Rcnn.Training.Data;

public sealed partial class DetectionDataLoader
{
    /// <summary>
    /// detectron2's build_detection_train_loader(cfg): a training <see cref="DatasetMapper"/> with INPUT.*'s
    /// augmentations, DATALOADER.SAMPLER_TRAIN's sampler seeded with <paramref name="seed"/>, SOLVER.IMS_PER_BATCH,
    /// DATALOADER.NUM_WORKERS, ASPECT_RATIO_GROUPING and FILTER_EMPTY_ANNOTATIONS; <paramref name="mapper"/> replaces the
    /// mapper, as build_detection_train_loader's argument does.
    /// </summary>
    public static DetectionDataLoader CreateTrain(RcnnConfig cfg, IReadOnlyList<DatasetRecord> records, int seed, IDatasetLog? log = null,
        IDatasetMapper? mapper = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        if (mapper is null)
        {
            var augmentations = AugmentationList.Build(cfg.Input, true);
            log?.Info($"Augmentations used in training: [{string.Join(", ", augmentations.Augmentations)}].");
            mapper = new DatasetMapper(true, augmentations, cfg.Input.Format);
        }
        var dl = cfg.DataLoader;
        return CreateTrain(records, mapper, cfg.Solver.ImsPerBatch, dl.NumWorkers, dl.AspectRatioGrouping, seed, dl.FilterEmptyAnnotations,
            log, cancellationToken: cancellationToken, sampler: kept => BuildSampler(dl, kept, seed, log));
    }

    private static IEnumerable<int> BuildSampler(DataLoaderConfig dl, IReadOnlyList<DatasetRecord> records, int seed, IDatasetLog? log)
    {
        log?.Info($"Using training sampler {dl.SamplerTrain}.");
        return dl.SamplerTrain switch
        {
            "TrainingSampler" => new TrainingSampler(records.Count, seed),
            "RepeatFactorTrainingSampler" => new RepeatFactorTrainingSampler(
                RepeatFactorTrainingSampler.RepeatFactorsFromCategoryFrequency(records, dl.RepeatThreshold, dl.RepeatSqrt, log), seed),
            _ => throw new ConfigException($"DATALOADER.SAMPLER_TRAIN '{dl.SamplerTrain}' is not supported by this port.", "DATALOADER.SAMPLER_TRAIN"),
        };
    }
}
