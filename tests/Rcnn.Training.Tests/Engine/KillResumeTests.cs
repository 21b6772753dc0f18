using System.Diagnostics;
using Rcnn.Training.Engine;

namespace Rcnn.Training.Tests.Engine;

/// <summary>
/// tools/TrainNet killed with SIGKILL right after its first checkpoint, then run again with --resume: it continues at
/// the checkpoint's iteration + 1 (so it loses less than one checkpoint period) and ends with exactly the weights of
/// an uninterrupted run of the same config (same SHA-256 of the final model): the resumed iterations saw the same
/// images, augmentations and RPN/ROI samples. Tiny config (96-px BCCD images, 12 iterations, 2 loader workers); about
/// 40 s.
/// </summary>
[TestClass]
public class KillResumeTests
{
    private static string[] Args(string outputDir) =>
    [
        "--config-file", DefaultTrainerTests.SmokeConfig, "--num-threads", "1",
        "DATASETS.TRAIN", "('bccd_train',)", "DATASETS.TEST", "()", "MODEL.ROI_HEADS.NUM_CLASSES", "3",
        "INPUT.MIN_SIZE_TRAIN", "(96,)", "INPUT.MAX_SIZE_TRAIN", "128", "INPUT.MIN_SIZE_TEST", "96", "INPUT.MAX_SIZE_TEST", "128",
        "MODEL.FPN.OUT_CHANNELS", "32", "MODEL.ROI_BOX_HEAD.FC_DIM", "64",
        "MODEL.RPN.PRE_NMS_TOPK_TRAIN", "100", "MODEL.RPN.POST_NMS_TOPK_TRAIN", "50", "MODEL.RPN.BATCH_SIZE_PER_IMAGE", "64",
        "MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", "32", "SOLVER.IMS_PER_BATCH", "2", "DATALOADER.NUM_WORKERS", "2",
        "SOLVER.MAX_ITER", "12", "SOLVER.WARMUP_ITERS", "2", "SOLVER.STEPS", "(8,)", "SOLVER.CHECKPOINT_PERIOD", "4",
        "SEED", "-1", "OUTPUT_DIR", outputDir,
    ];

    private static (int Code, string Out) RunInProcess(params string[] args)
    {
        var o = new StringWriter();
        int code = Rcnn.Tools.TrainNet.Program.Run(args, o, o);
        return (code, o.ToString());
    }

    [TestMethod]
    public void SigkillAfterTheFirstCheckpoint_ThenResume_EndsWithTheUninterruptedRunsWeights()
    {
        string root = Directory.CreateTempSubdirectory("kill-resume").FullName;
        string whole = Path.Combine(root, "uninterrupted"), killed = Path.Combine(root, "killed");

        // SEED -1 draws a random seed: the resumed process must take the interrupted run's from its checkpoint. The
        // uninterrupted run is given the seed the killed one logged.
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["exec", Path.Combine(AppContext.BaseDirectory, "TrainNet.dll"), .. Args(killed)]) psi.ArgumentList.Add(arg);
        var output = new List<string>();
        var firstCheckpoint = new ManualResetEventSlim();
        using (var p = Process.Start(psi)!)
        {
            p.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (output) output.Add(e.Data);
                if (e.Data.Contains("Saved checkpoint", StringComparison.Ordinal)) firstCheckpoint.Set();
            };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            Assert.IsTrue(firstCheckpoint.Wait(TimeSpan.FromMinutes(3)), "no checkpoint within 3 minutes:\n" + string.Join("\n", output));
            p.Kill();   // SIGKILL: no handler runs, nothing is flushed
            p.WaitForExit();
        }
        string log = string.Join("\n", output);
        Assert.IsFalse(File.Exists(Path.Combine(killed, "model_final.ckpt")), "the run finished before it was killed:\n" + log);
        string last = Path.Combine(killed, File.ReadAllText(Path.Combine(killed, Checkpointer.LastCheckpointFile)).Trim());
        int checkpointed = Checkpointer.IterationOf(last) ?? -1;
        Assert.IsTrue(checkpointed >= 3, $"{last} is not an intact checkpoint of iteration 3 or later:\n{log}");
        string seedLine = output.First(l => l.Contains("Using a random seed", StringComparison.Ordinal));
        string seed = seedLine.Split("random seed ")[1].Split(' ')[0];

        var resumed = RunInProcess(["--resume", .. Args(killed)]);
        Assert.AreEqual(0, resumed.Code, resumed.Out);
        // At most one checkpoint period lost: the resumed run starts right after the newest checkpoint.
        StringAssert.Contains(resumed.Out, $"Starting training from iteration {checkpointed + 1} to 11");
        StringAssert.Contains(resumed.Out, $"Replayed the data stream to iteration {checkpointed + 1}");

        var uninterrupted = RunInProcess([.. Args(whole)[..^4], "SEED", seed, "OUTPUT_DIR", whole]);
        Assert.AreEqual(0, uninterrupted.Code, uninterrupted.Out);

        var a = Checkpointer.ExtraOf(Path.Combine(whole, "model_final.ckpt"));
        var b = Checkpointer.ExtraOf(Path.Combine(killed, "model_final.ckpt"));
        Assert.IsNotNull(a);
        Assert.IsNotNull(b);
        Assert.AreEqual(ModelHash(Path.Combine(whole, "model_final.ckpt")), ModelHash(Path.Combine(killed, "model_final.ckpt")),
            "the killed-and-resumed run ended with other weights than the uninterrupted run");
        Assert.AreEqual(seed, b["seed"], "the resumed run kept the interrupted run's seed");
        Assert.AreEqual(a["torch_rng_state"], b["torch_rng_state"], "torch's RNG ended in the same state");
        Directory.Delete(root, recursive: true);
    }

    private static string ModelHash(string checkpoint)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(checkpoint);
        using var s = zip.GetEntry("model.safetensors")!.Open();
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(s));
    }
}
