using System.Text.Json;
using Rcnn.Tests.Shared;
using Rcnn.Training.Engine;

namespace Rcnn.Cli.Tests;

/// <summary>
/// <c>rcnn train</c> stopped after iteration 3 (as Ctrl+C does) exits 130 with that iteration checkpointed;
/// <c>--resume</c> continues at iteration 4 to the end and writes every artefact; <c>predict</c> and <c>eval</c> then
/// run on the output folder, and its model.onnx (through the generated consumption project, built with dotnet) and
/// model.mlnet (ML.NET) detect what the TorchSharp model detects. Tiny run: 4 training images at 128 px, 10
/// iterations. About 90 s.
/// </summary>
[TestClass]
public sealed class ResumeTests
{
    [TestMethod]
    public void InterruptedTrainResumesWhereItStopped()
    {
        string voc = MiniData.MiniVoc("resume", 4, 1);
        string output = MiniData.TempDir("resume-out");
        string[] args = ["train", "--dataset", voc, "--output", output, "--time-budget", "10m", "--num-threads", "1", "--preview-images", "1",
            .. MiniData.TinyOverrides, "SOLVER.MAX_ITER", "10", "SOLVER.CHECKPOINT_PERIOD", "100"];

        using var stop = new CancellationTokenSource();
        // One progress line per iteration (10 iterations): "eta: ...  iter: 3  total_loss: ..." follows iteration 3.
        var first = CliRunner.Run(new TriggerWriter("iter: 3  ", stop.Cancel), stop.Token, args);
        Assert.AreEqual(ExitCodes.Interrupted, first.ExitCode, first.Out + first.Err);
        string ckpt = Path.Combine(output, "model_0000003" + Checkpointer.Extension);
        Assert.IsTrue(File.Exists(ckpt), first.Out);
        Assert.AreEqual(3, Checkpointer.IterationOf(ckpt));
        Assert.AreEqual("model_0000003.ckpt", File.ReadAllText(Path.Combine(output, Checkpointer.LastCheckpointFile)).Trim());
        Assert.IsFalse(File.Exists(Path.Combine(output, "model_final.ckpt")));

        var second = CliRunner.Run([.. args, "--resume"]);
        Assert.AreEqual(ExitCodes.Ok, second.ExitCode, second.Out + second.Err);
        StringAssert.Contains(second.Out, "Resuming with the config of the interrupted run");
        StringAssert.Contains(second.Out, "Starting training from iteration 4 to 9");
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        Assert.AreEqual(4, results.RootElement.GetProperty("start_iteration").GetInt32());
        Assert.AreEqual(10, results.RootElement.GetProperty("iterations_done").GetInt32());
        Assert.IsTrue(results.RootElement.GetProperty("completed").GetBoolean());
        Assert.AreEqual(9, Checkpointer.IterationOf(Path.Combine(output, "model_final.ckpt")));
        StringAssert.Contains(second.Out, "Test AP50:");
        foreach (var f in new[] { "config.yaml", "classes.json", "metrics.json", "loss_curve.png", "auto_config.json",
                     Path.Combine("inference", "eval_metrics.json"), Path.Combine("inference", "pr_RBC.png"), Path.Combine("inference", "false_positives.json") })
            Assert.IsTrue(File.Exists(Path.Combine(output, f)), f);
        Assert.AreEqual(1, Directory.GetFiles(Path.Combine(output, "predictions"), "*.jpg").Length);
        Assert.IsFalse(Directory.Exists(Path.Combine(output, ".probe")));

        // The output folder is a usable model for predict and eval.
        string testId = MiniData.Split(voc, "test")[0];
        string image = Path.Combine(voc, "JPEGImages", testId + ".jpg");
        string predOut = MiniData.TempDir("resume-pred");
        var predict = CliRunner.Run("predict", "--model", output, "--output", predOut, "--score-threshold", "0", image);
        Assert.AreEqual(ExitCodes.Ok, predict.ExitCode, predict.Err);
        Assert.IsTrue(File.Exists(Path.Combine(predOut, testId + ".jpg")));
        using var preds = JsonDocument.Parse(File.ReadAllText(Path.Combine(predOut, "predictions.json")));
        var only = preds.RootElement[0];
        Assert.AreEqual(640, only.GetProperty("width").GetInt32());
        foreach (var d in only.GetProperty("detections").EnumerateArray())
        {
            var box = d.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            // Boxes are in the file's 640x480 pixels (not the 128-px network input), and labels are class names.
            Assert.IsTrue(box[0] >= 0 && box[2] <= 640 && box[1] >= 0 && box[3] <= 480 && box[0] <= box[2], string.Join(",", box));
            CollectionAssert.Contains(new[] { "Platelets", "RBC", "WBC" }, d.GetProperty("label").GetString());
        }
        var eval = CliRunner.Run("eval", "--model", output, "--dataset", voc);
        Assert.AreEqual(ExitCodes.Ok, eval.ExitCode, eval.Err);
        StringAssert.Contains(eval.Out, "AP50");

        // Deployables against the TorchSharp detector's own predictions (rcnn predict, threshold 0): the generated
        // consumption project (ONNX Runtime) built and run as a user would, and the ML.NET zip loaded and scored.
        var torch = DeployablesCheck.FromPredictionsJson(Path.Combine(predOut, "predictions.json"));
        Assert.IsTrue(File.Exists(Path.Combine(output, "model.onnx")));
        string project = MiniData.TempDir("codegen");
        var gen = CliRunner.Run("codegen", "--model", output, "--output", project, "--name", "BloodCells");
        Assert.AreEqual(ExitCodes.Ok, gen.ExitCode, gen.Err);
        DeployablesCheck.AssertMatch(torch, DeployablesCheck.RunGeneratedProject(project, "BloodCells", image), "generated project");
        DeployablesCheck.AssertMatch(torch, DeployablesCheck.RunMlNetZip(Path.Combine(output, "model.mlnet"), image), "model.mlnet");
        Assert.IsTrue(File.Exists(Path.Combine(output, "consumption", "RcnnModel.consumption.cs")));
        string flat = Path.Combine(MiniData.TempDir("export"), "flat.onnx");
        var export = CliRunner.Run("export", "--model", output, "--output", flat, "--layout", "flat");
        Assert.AreEqual(ExitCodes.Ok, export.ExitCode, export.Err);
        Assert.IsTrue(new FileInfo(flat).Length > 1_000_000);
    }
}
