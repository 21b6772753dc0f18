using System.CommandLine;
using Rcnn.Cli.Commands;
using Rcnn.Training.Config;
using Rcnn.Training.Data;

namespace Rcnn.Cli;

/// <summary>
/// The <c>rcnn</c> command tree. <see cref="Run"/> is the whole program with its writers and stop signal given, so
/// tests run it in-process. Exit codes: 0 done, 1 failed, 2 bad arguments or input data, 130 stopped (Ctrl+C).
/// </summary>
public static class CliApp
{
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken stop = default, bool interactive = false)
    {
        var ctx = new CliContext(CliContext.CreateConsole(stdout, interactive), stderr, stop);
        var root = BuildRoot(ctx);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) stderr.WriteLine($"error: {e.Message}");
            stderr.WriteLine($"Run '{string.Join(" ", CommandPath(parsed).Prepend("rcnn"))} --help' for the options.");
            return ExitCodes.UsageError;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
    }

    private static IEnumerable<string> CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var c = parsed.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
            if (c.Command is not RootCommand) names.Insert(0, c.Command.Name);
        return names;
    }

    public static RootCommand BuildRoot(CliContext ctx)
    {
        var root = new RootCommand("rcnn: train, evaluate, run, export and search Faster R-CNN detectors (detectron2's, in .NET) from labelled images.");
        root.Subcommands.Add(TrainCommand.Build(ctx));
        root.Subcommands.Add(EvalCommand.Build(ctx));
        root.Subcommands.Add(PredictCommand.Build(ctx));
        root.Subcommands.Add(ExportCommand.Build(ctx));
        root.Subcommands.Add(CodegenCommand.Build(ctx));
        root.Subcommands.Add(ExperimentCommand.Build(ctx));
        root.Subcommands.Add(ServeCommand.Build(ctx));
        return root;
    }

    /// <summary>Runs a command body, turning bad input into "error: ..." with exit code 2 and crashes into exit code 1.</summary>
    public static int Guard(CliContext ctx, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is CliUsageException or ConfigException or DatasetException or FileNotFoundException or DirectoryNotFoundException)
        {
            ctx.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.UsageError;
        }
        catch (OperationCanceledException)
        {
            ctx.Error.WriteLine("Stopped on request.");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            ctx.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            ctx.Error.WriteLine(e.StackTrace);
            return ExitCodes.Failed;
        }
    }
}
