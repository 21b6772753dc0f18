namespace Rcnn.Tests.Shared;

/// <summary>
/// One scratch folder per test assembly run, used as the process's temporary folder (TMPDIR), deleted when the run
/// ends. Everything a test leaves in the temporary folder goes with it: its own folders, ONNX Runtime's copies of the
/// models ML.NET scores (about 100 MB each), child processes' files. Linked into every test project.
/// Set RCNN_KEEP_TEST_FILES=1 to keep the folder for a look after a failure.
/// </summary>
[TestClass]
public static class TestScratch
{
    /// <summary>The run's scratch folder, under the temporary folder the test host started with.</summary>
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), "rcnn-tests", Guid.NewGuid().ToString("N")[..12]);

    [AssemblyInitialize]
    public static void Start(TestContext _)
    {
        Directory.CreateDirectory(Root);
        Environment.SetEnvironmentVariable("TMPDIR", Root);
        // Path.GetTempPath reads TMPDIR on each call (Unix); on a platform where it does not, files stay in the system's
        // temporary folder, which is what the tests did before.
    }

    [AssemblyCleanup]
    public static void Delete()
    {
        if (Environment.GetEnvironmentVariable("RCNN_KEEP_TEST_FILES") == "1") return;
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
