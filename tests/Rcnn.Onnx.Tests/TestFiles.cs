namespace Rcnn.Onnx.Tests;

internal static class TestFiles
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string BccdConfig => Path.Combine(RepoRoot, "models", "CPU", "faster_rcnn_R_18_FPN_bccd.yaml");

    public static string BccdImage(string name) => Path.Combine(RepoRoot, "datasets", "bccd", "BCCD", "JPEGImages", name);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Rcnn.MLNet.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Rcnn.MLNet.sln above {AppContext.BaseDirectory}.");
    }
}
