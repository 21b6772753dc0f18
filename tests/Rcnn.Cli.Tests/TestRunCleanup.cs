using Rcnn.Tests.Shared;
namespace Rcnn.Cli.Tests;

[TestClass]
public static class TestRunCleanup
{
    [AssemblyCleanup]
    public static void DeleteScratch()
    {
        if (Directory.Exists(MiniData.RunRoot)) Directory.Delete(MiniData.RunRoot, recursive: true);
    }
}
