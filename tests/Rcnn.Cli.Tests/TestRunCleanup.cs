namespace Rcnn.Cli.Tests;

[TestClass]
public static class TestRunCleanup
{
    [AssemblyCleanup]
    public static void DeleteScratch()
    {
        if (Directory.Exists(TestData.RunRoot)) Directory.Delete(TestData.RunRoot, recursive: true);
    }
}
