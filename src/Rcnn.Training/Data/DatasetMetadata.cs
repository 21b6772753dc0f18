namespace Rcnn.Training.Data;

/// <summary>
/// detectron2's <c>MetadataCatalog</c> entry for a dataset: class names in contiguous-id order and, for COCO JSON, the
/// map from the file's category ids to the contiguous ids (needed to write results back in the dataset's ids).
/// </summary>
public sealed record DatasetMetadata(
    string Name,
    IReadOnlyList<string> ThingClasses,
    IReadOnlyDictionary<int, int>? ThingDatasetIdToContiguousId = null,
    string? JsonFile = null,
    string? ImageRoot = null,
    string? VocRoot = null,
    string? VocSplit = null);
