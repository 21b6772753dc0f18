namespace Rcnn.Training.Modeling;

/// <summary>The input of a registry whose factories need only the config (META_ARCH).</summary>
public readonly record struct NoInput;
