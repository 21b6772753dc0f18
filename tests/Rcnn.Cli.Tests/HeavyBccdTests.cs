using System.Text.Json;
using Rcnn.Tests.Shared;
using Rcnn.Training.Engine;

namespace Rcnn.Cli.Tests;

/// <summary>
/// The 20-minute acceptance runs on the real BCCD data (opt-in: about 20 and 40 minutes on a 2-core machine).
/// Run with: <c>dotnet test tests/Rcnn.Cli.Tests -c Release --filter TestCategory=Heavy</c>.
/// </summary>
[TestClass]
[TestCategory("Heavy")]
public sealed class HeavyBccdTests
{

    [TestMethod]
    [Timeout(30 * 60 * 1000)]
    public void TrainWithTwentyMinutesReachesTestAp50Of80AndAp45()
    {
        string output = MiniData.TempDir("heavy-train");
        var r = CliRunner.Run("train", "--dataset", MiniData.BccdRoot, "--time-budget", "20m", "--output", output);
        Assert.AreEqual(ExitCodes.Ok, r.ExitCode, r.Err);
        StringAssert.Contains(r.Out, "Test AP50:");
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        var bbox = results.RootElement.GetProperty("bbox");
        double ap50 = bbox.GetProperty("AP50").GetDouble(), ap = bbox.GetProperty("AP").GetDouble();
        // The rcnn tool's acceptance bar on BCCD (percent): test AP50 >= 80 and AP >= 45.
        Assert.IsTrue(ap50 >= 80 && ap >= 45, $"test AP50 {ap50} (bar 80), AP {ap} (bar 45)");
        Assert.IsTrue(results.RootElement.GetProperty("train_seconds").GetDouble() < 20 * 60);
        Assert.IsTrue(File.Exists(Path.Combine(output, "loss_curve.png")));
        Assert.IsTrue(Directory.GetFiles(Path.Combine(output, "predictions"), "*.jpg").Length > 0);
        Assert.IsTrue(Directory.GetFiles(output, "*" + Checkpointer.Extension).Length > 0);
    }
}
