using Rcnn.Tools.TrainNet;
using Rcnn.Training.Config;

namespace Rcnn.Training.Tests.Engine;

/// <summary>tools/TrainNet's command line, run in-process: bad input exits non-zero and says why.</summary>
[TestClass]
public class DefaultTrainerTrainNetTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [TestMethod]
    public void HelpExitsZeroAndListsTheFlags()
    {
        var (code, stdout, _) = Run("--help");
        Assert.AreEqual(0, code);
        foreach (var flag in new[] { "--config-file", "--resume", "--eval-only", "--num-threads", "--register-coco", "--register-voc", "bccd_train" })
            StringAssert.Contains(stdout, flag);
    }

    [TestMethod]
    public void UsageErrorsExitTwoWithTheReason()
    {
        string smoke = DefaultTrainerTests.SmokeConfig;
        (string[] Args, string Message)[] cases =
        [
            (["--bogus"], "Unknown option '--bogus'"),
            ([], "--config-file is required"),
            (["--config-file"], "--config-file needs 1 value(s), got 0"),
            (["--config-file", smoke, "--num-threads", "zero"], "--num-threads needs a positive integer, got 'zero'"),
            (["--config-file", smoke, "SOLVER.MAX_ITER"], "'SOLVER.MAX_ITER' has no value"),
            (["--config-file", "/no/such/config.yaml"], "config file not found: /no/such/config.yaml"),
            (["--config-file", smoke, "--register-voc", "mine", "/no/such/voc", "train"], "VOC root not found: /no/such/voc"),
        ];
        foreach (var (args, message) in cases)
        {
            var (code, _, stderr) = Run(args);
            Assert.AreEqual(2, code, string.Join(" ", args));
            StringAssert.Contains(stderr, message, string.Join(" ", args));
        }
    }

    [TestMethod]
    public void BadOverrideReportsTheConfigError()
    {
        // The truth is the config system's own message for the same override.
        string smoke = DefaultTrainerTests.SmokeConfig;
        var expected = Assert.ThrowsExactly<ConfigException>(() => RcnnConfig.FromFile(smoke, ["SOLVER.MAX_ITR", "5"])).Message;
        var (code, _, stderr) = Run("--config-file", smoke, "SOLVER.MAX_ITR", "5");
        Assert.AreEqual(2, code);
        StringAssert.Contains(stderr, expected);
    }

    [TestMethod]
    public void UnknownDatasetExitsTwoNamingIt()
    {
        string dir = Directory.CreateTempSubdirectory("trainnet").FullName;
        try
        {
            var (code, _, stderr) = Run("--config-file", DefaultTrainerTests.SmokeConfig, "--num-threads", "1",
                "DATASETS.TRAIN", "('bccd_tarin',)", "MODEL.ROI_HEADS.NUM_CLASSES", "3", "OUTPUT_DIR", dir);
            Assert.AreEqual(2, code);
            StringAssert.Contains(stderr, "Dataset 'bccd_tarin' is not registered");
            StringAssert.Contains(stderr, "bccd_train");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
