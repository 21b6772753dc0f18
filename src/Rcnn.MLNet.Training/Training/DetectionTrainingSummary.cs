using Rcnn.Training.Evaluation;

namespace Rcnn.MLNet.Training;

/// <summary>What the last <see cref="DetectObjectsEstimator.Fit"/> did: where its files are and how it ended.</summary>
public sealed record DetectionTrainingSummary(
    string OutputFolder,
    string OnnxModelPath,
    IReadOnlyList<string> ClassNames,
    int TrainingImages,
    int TrainingObjects,
    int Iterations,
    TimeSpan Duration,
    DetectionTrainingProgress? LastProgress,
    CocoEvalResult? Validation);
