namespace Rcnn.Training.Visualization;

/// <summary>One named x/y series of a <see cref="LinePlot"/>.</summary>
public sealed record LineSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y);
