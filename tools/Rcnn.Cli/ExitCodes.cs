namespace Rcnn.Cli;

/// <summary>The process exit codes of every rcnn command (the same as TrainNet's).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int UsageError = 2;
    public const int Interrupted = 130;
}
