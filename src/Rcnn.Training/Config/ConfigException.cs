namespace Rcnn.Training.Config;

/// <summary>Any problem with a configuration: an unknown key, a value of the wrong type or out of range, a bad
/// override, a broken <c>_BASE_</c> chain, or a registry name that nothing registered. The message always names the
/// dotted key (where there is one) and where the value came from.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message, string? key = null, string? source = null, Exception? inner = null)
        : base(message, inner)
    {
        Key = key;
        Source = source;
    }

    /// <summary>The full dotted key, e.g. <c>MODEL.RPN.NMS_THRESH</c>, when the error is about one key.</summary>
    public string? Key { get; }

    /// <summary>The file the value came from, or <see cref="ConfigSources.CommandLine"/> / <see cref="ConfigSources.Code"/>.</summary>
    public new string? Source { get; }
}
