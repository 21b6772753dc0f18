namespace Rcnn.Cli;

/// <summary>The config family (models/) shipped beside the tool.</summary>
public static class ConfigFiles
{
    public const string AutoBase = "CPU/faster_rcnn_R_18_FPN_cpu.yaml";

    public static string Find(string relative)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "models", relative);
        if (!File.Exists(path)) throw new FileNotFoundException($"The tool's config file {path} is missing; reinstall the tool.", path);
        return path;
    }
}
