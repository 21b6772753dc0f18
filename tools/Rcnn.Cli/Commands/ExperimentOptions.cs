namespace Rcnn.Cli.Commands;

/// <summary>The arguments of <c>rcnn experiment</c>.</summary>
public sealed record ExperimentOptions(
    string Dataset,
    string? Images,
    string? ValidationDataset,
    string? ValidationImages,
    TimeSpan Budget,
    int MaxTrials,
    string Tuner,
    int Seed,
    string Output,
    int? NumThreads);
