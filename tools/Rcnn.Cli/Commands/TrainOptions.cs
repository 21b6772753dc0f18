namespace Rcnn.Cli.Commands;

/// <summary>The arguments of <c>rcnn train</c>.</summary>
public sealed record TrainOptions(
    string Dataset,
    string? Images,
    string? TestDataset,
    string? TestImages,
    string? ConfigFile,
    TimeSpan Budget,
    string Output,
    bool Resume,
    int? NumThreads,
    int PreviewImages,
    bool FromScratch,
    IReadOnlyList<string> Overrides);
