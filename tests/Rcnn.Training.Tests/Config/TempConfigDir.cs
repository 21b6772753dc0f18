namespace Rcnn.Training.Tests.Config;

/// <summary>A temporary folder for YAML files written by a test; deleted on dispose.</summary>
internal sealed class TempConfigDir : IDisposable
{
    public TempConfigDir() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "rcnn-config-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Writes <paramref name="yaml"/> to <paramref name="relativePath"/> (folders created) and returns the full path.</summary>
    public string Write(string relativePath, string yaml)
    {
        string path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, yaml);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
