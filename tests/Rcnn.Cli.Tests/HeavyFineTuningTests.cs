using System.Globalization;
using System.Text.Json;
using Rcnn.Tests.Shared;

namespace Rcnn.Cli.Tests;

/// <summary>
/// Issue 24's acceptance bars on the bundled data, 20-minute budgets (opt-in, 40-80 minutes each on a 2-core machine):
/// fine-tuning beats training from scratch by 10 test AP points on the cards photographs and is not worse on BCCD; the
/// experiment's best trial is no worse than the default trained for the same time beyond the default's own run-to-run
/// spread. Run with: <c>dotnet test tests/Rcnn.Cli.Tests -c Release --filter TestCategory=Heavy</c>.
/// </summary>
[TestClass]
[TestCategory("Heavy")]
public sealed class HeavyFineTuningTests
{
    private static string Cards => Path.Combine(MiniData.RepoRoot, "datasets", "cards");


    /// <summary>Test-split COCO AP (0-100) of <c>rcnn train --time-budget 20m</c> with the given extra arguments.</summary>
    private static double TrainTestAp(string dataset, string name, params string[] extra)
    {
        string output = MiniData.TempDir(name);
        var r = CliRunner.Run(["train", "--dataset", dataset, "--time-budget", "20m", "--output", output, "--preview-images", "0", .. extra]);
        Assert.AreEqual(ExitCodes.Ok, r.ExitCode, r.Err);
        StringAssert.Contains(r.Out, "Final model: the best by validation");
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        Assert.IsTrue(results.RootElement.GetProperty("train_seconds").GetDouble() < 20 * 60);
        return results.RootElement.GetProperty("bbox").GetProperty("AP").GetDouble();
    }

    /// <summary>Test-split COCO AP (0-100) of the best trial of <c>rcnn experiment --time-budget 20m</c>, which is scored
    /// on held-out training images while it runs and evaluated on test only here, with <c>rcnn eval</c>.</summary>
    private static double ExperimentTestAp(string dataset, string name)
    {
        string output = MiniData.TempDir(name);
        var exp = CliRunner.Run("experiment", "--dataset", dataset, "--time-budget", "20m", "--output", output);
        Assert.AreEqual(ExitCodes.Ok, exp.ExitCode, exp.Err);
        StringAssert.Contains(exp.Out, "never on test data");
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "experiment.json")));
        int best = summary.RootElement.GetProperty("best_trial").GetInt32();
        var trial = summary.RootElement.GetProperty("trials").EnumerateArray().Single(t => t.GetProperty("trial").GetInt32() == best);
        string modelDir = Path.GetDirectoryName(Path.Combine(output, trial.GetProperty("checkpoint").GetString()!))!;
        string evalOut = MiniData.TempDir(name + "-eval");
        var eval = CliRunner.Run("eval", "--model", modelDir, "--dataset", dataset, "--output", evalOut);
        Assert.AreEqual(ExitCodes.Ok, eval.ExitCode, eval.Err);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(evalOut, "eval_metrics.json")));
        return metrics.RootElement.GetProperty("stats").GetProperty("AP").GetDouble() * 100; // a fraction there
    }

    [TestMethod]
    [Timeout(50 * 60 * 1000)]
    public void FineTuningBeatsScratchByTenApPointsOnCards()
    {
        double pretrained = TrainTestAp(Cards, "cards-pretrained");
        double scratch = TrainTestAp(Cards, "cards-scratch", "--from-scratch");
        Assert.IsTrue(pretrained - scratch >= 10, $"test AP pretrained {pretrained:F1} vs from scratch {scratch:F1}");
    }

    [TestMethod]
    [Timeout(50 * 60 * 1000)]
    public void FineTuningIsNotWorseThanScratchOnBccd()
    {
        string bccd = Path.Combine(MiniData.RepoRoot, "datasets", "bccd");
        double pretrained = TrainTestAp(bccd, "bccd-pretrained");
        double scratch = TrainTestAp(bccd, "bccd-scratch", "--from-scratch");
        Assert.IsTrue(pretrained >= scratch, $"test AP pretrained {pretrained:F1} vs from scratch {scratch:F1}");
    }

    /// <summary>The default runs twice (its own seed and SEED 7); their spread is the band around their mean, so the
    /// experiment is worse beyond the spread when it scores below the lower of the two.</summary>
    [TestMethod]
    [Timeout(80 * 60 * 1000)]
    [DataRow("cards")]
    [DataRow("bccd")]
    public void ExperimentIsNoWorseThanTheDefaultBeyondItsSpread(string name)
    {
        string dataset = Path.Combine(MiniData.RepoRoot, "datasets", name);
        double first = TrainTestAp(dataset, name + "-default");
        double second = TrainTestAp(dataset, name + "-default-seed7", "SEED", "7");
        double experiment = ExperimentTestAp(dataset, name + "-experiment");
        Assert.IsTrue(experiment >= Math.Min(first, second),
            string.Create(CultureInfo.InvariantCulture, $"experiment test AP {experiment:F1} vs the default's {first:F1} and {second:F1}"));
    }
}
