using Rcnn.Tests.Shared;
namespace Rcnn.Cli.Tests;

/// <summary>Bad command lines end with exit code 2 and a message that names the argument and the value (no training
/// starts: every case fails before the model is built). About 2 s in all.</summary>
[TestClass]
public sealed class ArgumentErrorTests
{
    [TestMethod]
    public void MissingRequiredDataset()
    {
        var r = CliRunner.Run("train");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "--dataset");
        StringAssert.Contains(r.Err, "rcnn train --help");
    }

    [TestMethod]
    public void UnknownCommandAndOption()
    {
        var r = CliRunner.Run("trian");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "trian");
        r = CliRunner.Run("eval", "--model", "m", "--dataset", "d", "--bogus");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "--bogus");
    }

    [TestMethod]
    public void BadTimeBudgetNamesOptionAndValue()
    {
        var r = CliRunner.Run("train", "--dataset", MiniData.BccdRoot, "--time-budget", "soon");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "--time-budget");
        StringAssert.Contains(r.Err, "'soon'");
    }

    [TestMethod]
    public void MissingDatasetPathIsNamed()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-dataset-" + Guid.NewGuid().ToString("N"));
        var r = CliRunner.Run("train", "--dataset", missing);
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, missing);
    }

    [TestMethod]
    public void FolderThatIsNotVocIsRejected()
    {
        string dir = MiniData.TempDir("notvoc");
        var r = CliRunner.Run("train", "--dataset", dir);
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "not a Pascal VOC root");
    }

    [TestMethod]
    public void OddOverridesAndUnknownKey()
    {
        string voc = MiniData.MiniVoc("args", 2, 1);
        var r = CliRunner.Run("train", "--dataset", voc, "-o", MiniData.TempDir("args-out"), "SOLVER.MAX_ITER");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "'SOLVER.MAX_ITER' has no value");
        r = CliRunner.Run("train", "--dataset", voc, "-o", MiniData.TempDir("args-out"), "SOLVER.MAX_ITERS", "10");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "SOLVER.MAX_ITERS");
    }

    [TestMethod]
    public void NumericRangesAndChoices()
    {
        var r = CliRunner.Run("experiment", "--dataset", MiniData.BccdRoot, "--tuner", "grid");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "grid");
        r = CliRunner.Run("experiment", "--dataset", MiniData.BccdRoot, "--max-trials", "0");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "--max-trials must be >= 1, got 0");
        r = CliRunner.Run("predict", "--model", MiniData.TempDir("nomodel"), "--score-threshold", "1.5", "x.jpg");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "--score-threshold must be in [0, 1], got 1.5");
    }

    [TestMethod]
    public void ModelFolderWithoutTrainingOutputIsNamed()
    {
        string dir = MiniData.TempDir("emptymodel");
        var r = CliRunner.Run("eval", "--model", dir, "--dataset", MiniData.BccdRoot);
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, dir);
        StringAssert.Contains(r.Err, "config.yaml");
    }

    [TestMethod]
    public void CodegenNeedsAnIdentifierAndAnExportedModel()
    {
        string dir = MiniData.TempDir("codegen-args");
        var r = CliRunner.Run("codegen", "--model", dir, "--name", "1st-model");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "'1st-model' is not a C# identifier");
        r = CliRunner.Run("codegen", "--model", dir);
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, Path.Combine(dir, "model.onnx"));
        StringAssert.Contains(r.Err, "rcnn export");
        r = CliRunner.Run("export", "--model", dir, "--layout", "nchw");
        Assert.AreEqual(ExitCodes.UsageError, r.ExitCode);
        StringAssert.Contains(r.Err, "nchw");
    }

    [TestMethod]
    public void HelpListsEveryCommandAndOption()
    {
        var r = CliRunner.Run("--help");
        Assert.AreEqual(ExitCodes.Ok, r.ExitCode);
        foreach (var c in new[] { "train", "eval", "predict", "export", "codegen", "experiment" }) StringAssert.Contains(r.Out, c);
        r = CliRunner.Run("train", "--help");
        Assert.AreEqual(ExitCodes.Ok, r.ExitCode);
        foreach (var o in new[] { "--dataset", "--images", "--test-dataset", "--config", "--time-budget", "--output", "--resume", "KEY VALUE" })
            StringAssert.Contains(r.Out, o);
    }
}
