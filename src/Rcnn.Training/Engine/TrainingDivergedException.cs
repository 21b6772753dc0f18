namespace Rcnn.Training.Engine;

/// <summary>Training produced a non-finite loss or prediction and cannot go on (detectron2 raises FloatingPointError).
/// The usual cause is a learning rate too high for the batch size.</summary>
public sealed class TrainingDivergedException(string message) : ArithmeticException(message);
