namespace Rcnn.Cli.Tests;

/// <summary>Runs rcnn in-process and captures what it writes.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Err);

internal static class CliRunner
{
    public static CliResult Run(params string[] args) => Run(CancellationToken.None, args);

    public static CliResult Run(CancellationToken stop, params string[] args) => Run(new StringWriter(), stop, args);

    public static CliResult Run(TextWriter output, CancellationToken stop, params string[] args)
    {
        var err = new StringWriter();
        int code = CliApp.Run(args, output, err, stop);
        return new CliResult(code, output.ToString()!, err.ToString());
    }
}

/// <summary>A writer that fires an action the first time a written line contains a marker (to stop a run at a
/// known iteration: the engine prints "iter: N" after iteration N).</summary>
internal sealed class TriggerWriter(string marker, Action onMarker) : StringWriter
{
    private bool fired;

    public override void Write(string? value)
    {
        base.Write(value);
        Check(value);
    }

    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        Check(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        base.Write(buffer, index, count);
        Check(new string(buffer, index, count));
    }

    private void Check(string? value)
    {
        if (fired || value is null || !value.Contains(marker, StringComparison.Ordinal)) return;
        fired = true;
        onMarker();
    }
}
