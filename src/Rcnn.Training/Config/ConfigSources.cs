namespace Rcnn.Training.Config;

/// <summary>Names for value origins that are not files, as they appear in error messages.</summary>
public static class ConfigSources
{
    public const string CommandLine = "command-line override";
    public const string Code = "code";

    /// <summary>"file 'x.yaml'" for a path, the bare name otherwise, so messages read naturally either way.</summary>
    internal static string Describe(string source) =>
        source is CommandLine or Code ? source : $"file '{source}'";
}
