namespace Rcnn.Cli;

/// <summary>A bad argument or input file: printed as "error: ..." with exit code 2, no stack trace.</summary>
public sealed class CliUsageException(string message, Exception? inner = null) : Exception(message, inner);
