namespace Rcnn.Training.Data;

/// <summary>A dataset as the catalog hands it out: its records, metadata and what loading fixed.</summary>
public sealed record LoadedDataset(IReadOnlyList<DatasetRecord> Records, DatasetMetadata Metadata, DatasetSummary Summary);
