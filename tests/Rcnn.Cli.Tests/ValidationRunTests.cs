using System.Globalization;
using System.Text.Json;
using Rcnn.Tests.Shared;
using Rcnn.Training.Config;
using Rcnn.Training.Engine;

namespace Rcnn.Cli.Tests;

/// <summary>
/// <c>rcnn train</c> without a config: fine-tuned from mlnet://ResNet18 (or from scratch with --from-scratch), validated on
/// the VOC root's val split while it trains, the best model by validation kept as model_best.ckpt and used as the
/// final model, which <c>rcnn eval</c> then opens. Tiny runs: 6 training images at 128 px, 40 and 5 iterations; about
/// 60 s.
/// </summary>
[TestClass]
public sealed class ValidationRunTests
{
    [TestMethod]
    public void AnAutoPickedRunValidatesAndEndsWithItsBestModel()
    {
        string voc = MiniData.MiniVoc("validate", 6, 3);
        string output = MiniData.TempDir("validate-out");
        var r = CliRunner.Run(["train", "--dataset", voc, "--output", output, "--time-budget", "10m", "--num-threads", "1", "--preview-images", "0",
            .. MiniData.TinyOverrides, "SOLVER.MAX_ITER", "40", "TEST.EVAL_PERIOD", "10"]);
        Assert.AreEqual(ExitCodes.Ok, r.ExitCode, r.Out + r.Err);
        // A root with train, val and test trains on train, validates on val and tests on test.
        StringAssert.Contains(r.Out, $"Validation: validating on split 'val' of {voc} (3 images).");
        StringAssert.Contains(r.Out, "Loaded weights from mlnet://ResNet18");
        var cfg = RcnnConfig.FromFile(Path.Combine(output, "config.yaml"));
        Assert.AreEqual(("mlnet://ResNet18", "FrozenBN", 2), (cfg.Model.Weights, cfg.Model.ResNets.Norm, cfg.Model.Backbone.FreezeAt));
        CollectionAssert.AreEqual(new[] { "validation" }, cfg.Datasets.Test.ToArray());
        // A given length gets the auto schedule's shape: warm-up 40 / 6 -> 10 (at least 10), LR step at 32.
        Assert.AreEqual(10, cfg.Solver.WarmupIters);
        CollectionAssert.AreEqual(new[] { 32 }, cfg.Solver.Steps.ToArray());

        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        var root = results.RootElement;
        // Evaluated past the warm-up every 10 iterations (after 10, 20, 30) and at the end (40).
        var validation = root.GetProperty("validation_ap").EnumerateArray()
            .Select(v => (Iteration: v.GetProperty("iteration").GetInt32(), Ap: v.GetProperty("ap").GetDouble())).ToList();
        CollectionAssert.AreEqual(new[] { 10, 20, 30, 40 }, validation.Select(v => v.Iteration).ToArray());
        var best = validation.First(v => v.Ap == validation.Max(x => x.Ap));
        Assert.AreEqual(best.Iteration, root.GetProperty("best_iteration").GetInt32());
        Assert.AreEqual("model_best.ckpt", root.GetProperty("checkpoint").GetString());
        Assert.AreEqual(best.Iteration - 1, Checkpointer.IterationOf(Path.Combine(output, "model_best.ckpt")));
        StringAssert.Contains(r.Out, string.Create(CultureInfo.InvariantCulture, $"Final model: the best by validation, iteration {best.Iteration} (validation AP {best.Ap:F1})"));
        StringAssert.Contains(r.Out, "Test AP50:");

        // rcnn eval opens the final model, not the last checkpoint.
        var eval = CliRunner.Run("eval", "--model", output, "--dataset", voc);
        Assert.AreEqual(ExitCodes.Ok, eval.ExitCode, eval.Out + eval.Err);
        StringAssert.Contains(eval.Out, $"Model: {Path.Combine(output, "model_best.ckpt")}");
    }

    [TestMethod]
    public void FromScratchTrainsTheGroupNormTrunkWithNoWeights()
    {
        string voc = MiniData.MiniVoc("scratch", 4, 1);
        string output = MiniData.TempDir("scratch-out");
        var r = CliRunner.Run(["train", "--dataset", voc, "--output", output, "--time-budget", "10m", "--num-threads", "1", "--preview-images", "0",
            "--from-scratch", .. MiniData.TinyOverrides, "SOLVER.MAX_ITER", "5"]);
        Assert.AreEqual(ExitCodes.Ok, r.ExitCode, r.Out + r.Err);
        Assert.IsFalse(r.Out.Contains("Loaded weights"), r.Out);
        var cfg = RcnnConfig.FromFile(Path.Combine(output, "config.yaml"));
        Assert.AreEqual(("", "GN", 0), (cfg.Model.Weights, cfg.Model.ResNets.Norm, cfg.Model.Backbone.FreezeAt));
        using var auto = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "auto_config.json")));
        var backbone = auto.RootElement.EnumerateArray().Single(e => e.GetProperty("setting").GetString() == "backbone");
        Assert.AreEqual("R-18 FPN, GN, from scratch", backbone.GetProperty("value").GetString());
        StringAssert.Contains(backbone.GetProperty("why").GetString(), "--from-scratch");
    }

    [TestMethod]
    public void AnExperimentWithNothingToValidateOnSaysSoInsteadOfUsingTheTestSplit()
    {
        // 6 training images, a test split and no val split: too few to hold any out, and test data never scores trials.
        string voc = MiniData.MiniVoc("novalidation", 6, 2);
        File.Delete(Path.Combine(voc, "ImageSets", "Main", "val.txt"));
        var r = CliRunner.Run("experiment", "--dataset", voc, "--output", MiniData.TempDir("novalidation-out"), "--time-budget", "5m");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode, r.Out + r.Err);
        StringAssert.Contains(r.Err, "nothing to score trials on: no validation: 6 training images are too few to hold any out (fewer than 40); give a --validation-dataset");
    }
}
