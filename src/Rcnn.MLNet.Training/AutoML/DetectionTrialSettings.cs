namespace Rcnn.MLNet.AutoML;

/// <summary>A trial as it starts (AutoML's TrialSettings): id, parameters, its folder and seed.</summary>
public sealed record DetectionTrialSettings(int TrialId, DetectionParameters Parameters, string OutputDirectory, int Seed, DateTime StartedAtUtc);
