using Rcnn.Training.Data;

namespace Rcnn.Cli.Output;

/// <summary>An image (RGB) and the detections predicted on it.</summary>
public sealed record ImagePrediction(string FileName, ImageBuffer Image, IReadOnlyList<Detection> Detections);
