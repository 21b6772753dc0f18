namespace Rcnn.Training.Data;

/// <summary>Ready-made <see cref="IDatasetLog"/>s.</summary>
public static class DatasetLog
{
    /// <summary>Writes "[data] ..." / "[data] WARNING: ..." lines to the console's standard error.</summary>
    public static IDatasetLog Console { get; } = FromAction(line => System.Console.Error.WriteLine(line));

    /// <summary>Sends every line, warnings prefixed with "WARNING: ", to one callback.</summary>
    public static IDatasetLog FromAction(Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        return new ActionLog(write);
    }

    private sealed class ActionLog(Action<string> write) : IDatasetLog
    {
        public void Info(string message) => write("[data] " + message);
        public void Warning(string message) => write("[data] WARNING: " + message);
    }
}
