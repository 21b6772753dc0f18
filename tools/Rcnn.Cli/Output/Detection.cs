namespace Rcnn.Cli.Output;

/// <summary>One predicted box in the input image's pixels (x0, y0, x1, y1), with its class and score.</summary>
public sealed record Detection(float X0, float Y0, float X1, float Y1, float Score, int ClassId, string Label);
