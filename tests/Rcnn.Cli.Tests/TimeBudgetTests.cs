using System.Diagnostics;
using System.Text.Json;
using Rcnn.Tests.Shared;

namespace Rcnn.Cli.Tests;

/// <summary>
/// <c>rcnn train</c> with an auto-picked schedule: the speed probe also times predictions, the budget keeps twice that
/// per test and preview image, once per validation prediction, plus 30 s for the artefacts (instead of a tenth of the budget), and the whole run,
/// evaluation and artefacts included, ends within the budget. Tiny run (4 training images, 2 test images, 128 px,
/// a 50 s budget); about 50 s.
/// </summary>
[TestClass]
public sealed class TimeBudgetTests
{
    [TestMethod]
    public void AutoPickedRunEndsWithinItsBudget()
    {
        string voc = MiniData.MiniVoc("budget", 4, 2);
        string output = MiniData.TempDir("budget-out");
        var clock = Stopwatch.StartNew();
        var r = CliRunner.Run(["train", "--dataset", voc, "--output", output, "--time-budget", "50s", "--num-threads", "1",
            "--preview-images", "1", .. MiniData.TinyOverrides]);
        clock.Stop();
        Assert.AreEqual(ExitCodes.Ok, r.ExitCode, r.Out + r.Err);
        Assert.IsTrue(clock.Elapsed.TotalSeconds <= 52, $"a 50 s budget took {clock.Elapsed.TotalSeconds:F1} s:\n{r.Out}");

        using var auto = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "auto_config.json")));
        string why = auto.RootElement.EnumerateArray().Single(e => e.GetProperty("setting").GetString() == "iterations").GetProperty("why").GetString()!;
        // 2 test images and 1 preview.
        StringAssert.Contains(why, "s/image measured, twice for 3 test and preview images");
        StringAssert.Contains(why, "and 30 s for the artefacts");
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        Assert.IsTrue(results.RootElement.GetProperty("iterations_done").GetInt32() > 0);
        StringAssert.Contains(r.Out, "Test AP50:");
    }

    [TestMethod]
    public void TimeBudgetParsing()
    {
        Assert.AreEqual(TimeSpan.FromMinutes(30), TimeBudget.Parse("30m", "--t"));
        Assert.AreEqual(TimeSpan.FromMinutes(90), TimeBudget.Parse("1h30m", "--t"));
        Assert.AreEqual(TimeSpan.FromSeconds(90), TimeBudget.Parse("90s", "--t"));
        Assert.AreEqual(TimeSpan.FromMinutes(20), TimeBudget.Parse("20", "--t"));
        Assert.IsFalse(TimeBudget.TryParse("0m", out _));
        Assert.IsFalse(TimeBudget.TryParse("10 minutes", out _));
    }
}
