namespace Rcnn.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (stop.IsCancellationRequested) return;  // a second Ctrl+C ends the process at once
            e.Cancel = true;
            Console.Error.WriteLine("Ctrl+C: stopping after the current iteration and checkpointing (press again to abort).");
            stop.Cancel();
        };
        bool interactive = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("RCNN_PLAIN_OUTPUT") is null;
        return CliApp.Run(args, Console.Out, Console.Error, stop.Token, interactive);
    }
}
