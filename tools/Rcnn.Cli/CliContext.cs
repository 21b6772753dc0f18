using Spectre.Console;

namespace Rcnn.Cli;

/// <summary>Where a command writes (a Spectre console for output, a writer for errors) and its stop signal (Ctrl+C).</summary>
public sealed record CliContext(IAnsiConsole Console, TextWriter Error, CancellationToken Stop)
{
    /// <summary>Plain lines from the training engine, escaped so brackets in them are not read as markup.</summary>
    public void Line(string text) => Console.MarkupLine(Markup.Escape(text));

    public static IAnsiConsole CreateConsole(TextWriter output, bool interactive)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        // Redirected output (logs, tests) keeps each engine line on one line instead of wrapping at 80 columns.
        if (!interactive) console.Profile.Width = 400;
        return console;
    }
}
