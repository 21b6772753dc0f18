using System.Text.Json;
using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Engine;

namespace Rcnn.Training.Tests.Engine;

/// <summary>A real (tiny) Faster R-CNN on BCCD through DefaultTrainer: outputs, Ctrl+C-style stop, and resume.</summary>
[TestClass]
public class DefaultTrainerTests
{
    internal static string SmokeConfig => Path.Combine(AppContext.BaseDirectory, "models", "CPU", "faster_rcnn_R_18_FPN_cpu_smoke.yaml");

    /// <summary>The smoke config shrunk so one iteration is a fraction of a second: 96-pixel images, one per batch,
    /// narrow FPN and box head, few proposals; 6 iterations, warmup 2, LR x0.1 from iteration 4.</summary>
    internal static RcnnConfig TinyConfig(string outputDir) => RcnnConfig.FromFile(SmokeConfig,
    [
        "DATASETS.TRAIN", "('bccd_train',)", "DATASETS.TEST", "()", "MODEL.ROI_HEADS.NUM_CLASSES", "3",
        "INPUT.MIN_SIZE_TRAIN", "(96,)", "INPUT.MAX_SIZE_TRAIN", "128", "INPUT.MIN_SIZE_TEST", "96", "INPUT.MAX_SIZE_TEST", "128",
        "MODEL.FPN.OUT_CHANNELS", "32", "MODEL.ROI_BOX_HEAD.FC_DIM", "64",
        "MODEL.RPN.PRE_NMS_TOPK_TRAIN", "100", "MODEL.RPN.POST_NMS_TOPK_TRAIN", "50", "MODEL.RPN.BATCH_SIZE_PER_IMAGE", "64",
        "MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", "32", "SOLVER.IMS_PER_BATCH", "1", "DATALOADER.NUM_WORKERS", "0",
        "SOLVER.MAX_ITER", "6", "SOLVER.WARMUP_ITERS", "2", "SOLVER.STEPS", "(4,)", "SOLVER.CHECKPOINT_PERIOD", "100",
        "SEED", "3", "OUTPUT_DIR", outputDir,
    ]);

    private static DatasetCatalog Catalog()
    {
        var catalog = new DatasetCatalog(DatasetLog.FromAction(_ => { }));
        BuiltinDatasets.RegisterAll(catalog);
        return catalog;
    }

    [TestMethod]
    public void StopWritesACheckpointAndResumeContinuesWithTheSchedule()
    {
        string dir = Directory.CreateTempSubdirectory("default-trainer").FullName;
        try
        {
            var log1 = new List<string>();
            using var stop = new CancellationTokenSource();
            float[] weightsAtStop;
            using (var first = new DefaultTrainer(TinyConfig(dir), Catalog(), new DefaultTrainerOptions
                   {
                       LogPeriod = 1,
                       // Stand-in for Ctrl+C: request a stop while iteration 2 is being logged.
                       Log = line => { log1.Add(line); if (line.Contains("iter: 2 ")) stop.Cancel(); },
                   }))
            {
                Assert.AreEqual(0, first.ResumeOrLoad(resume: true));  // nothing to resume yet
                Assert.IsFalse(first.Train(stop.Token), "a stopped run is not complete");
                Assert.AreEqual(3, first.Trainer!.Storage.History("total_loss").Count);
                weightsAtStop = FirstWeights(first);
            }
            Assert.IsTrue(log1.Any(l => l == "Using seed 3 (SEED), " + Environment.ProcessorCount + " threads."), string.Join("\n", log1));
            // The stop saved the last finished iteration and pointed last_checkpoint at it.
            Assert.AreEqual("model_0000002.ckpt", File.ReadAllText(Path.Combine(dir, Checkpointer.LastCheckpointFile)).Trim());
            Assert.AreEqual(2, Checkpointer.IterationOf(Path.Combine(dir, "model_0000002.ckpt")));

            // config.yaml is the resolved config: reading it back gives the overrides.
            var saved = RcnnConfig.FromFile(Path.Combine(dir, DefaultTrainer.ConfigFile));
            Assert.AreEqual(6, saved.Solver.MaxIter);
            Assert.AreEqual(3, saved.Model.RoiHeads.NumClasses);
            CollectionAssert.AreEqual(new[] { "bccd_train" }, saved.Datasets.Train);

            using (var second = new DefaultTrainer(TinyConfig(dir), Catalog(), new DefaultTrainerOptions { LogPeriod = 1, Log = _ => { } }))
            {
                Assert.AreEqual(3, second.ResumeOrLoad(resume: true));
                CollectionAssert.AreEqual(weightsAtStop, FirstWeights(second), "resume loads the stopped model's weights");
                Assert.IsTrue(second.Train());
                CollectionAssert.AreEqual(new[] { 3, 4, 5 }, second.Trainer!.Storage.History("total_loss").Select(h => h.Iteration).ToArray());
            }
            Assert.AreEqual(5, Checkpointer.IterationOf(Path.Combine(dir, "model_final.ckpt")));

            // metrics.json: one line per iteration across both runs. LR by hand (fvcore's warmup over 2 of 6 iterations
            // from factor 0.001 to 1, then x0.1 at milestone 4): 0.02 x [0.001, 0.5005, 1, 1, 0.1, 0.1].
            var json = File.ReadAllLines(Path.Combine(dir, DefaultTrainer.MetricsFile)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4, 5 }, json.Select(j => j.GetProperty("iteration").GetInt32()).ToArray());
            double[] lr = [2e-5, 0.01001, 0.02, 0.02, 0.002, 0.002];
            for (int i = 0; i < 6; i++)
            {
                Assert.AreEqual(lr[i], json[i].GetProperty("lr").GetDouble(), 1e-9, $"lr at iteration {i}");
                foreach (var k in new[] { "total_loss", "loss_cls", "loss_box_reg", "loss_rpn_cls", "loss_rpn_loc" })
                    Assert.IsTrue(double.IsFinite(json[i].GetProperty(k).GetDouble()), $"{k} at iteration {i}");
            }
            var png = File.ReadAllBytes(Path.Combine(dir, DefaultTrainer.LossCurveFile));
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void RescheduleChangesTheScheduleOfARunInProgress()
    {
        string dir = Directory.CreateTempSubdirectory("default-trainer").FullName;
        try
        {
            DefaultTrainer? running = null;
            using var trainer = running = new DefaultTrainer(TinyConfig(dir), Catalog(), new DefaultTrainerOptions
            {
                LogPeriod = 1,
                // While iteration 2 is logged: 6 iterations with the step at 4 become 8 with the step at 6.
                Log = line => { if (line.Contains("iter: 2 ")) running!.Reschedule(["SOLVER.MAX_ITER", "8", "SOLVER.STEPS", "(6,)"]); },
            });
            Assert.ThrowsExactly<ArgumentException>(() => trainer.Reschedule(["MODEL.ROI_HEADS.NUM_CLASSES", "4"]));
            trainer.ResumeOrLoad(resume: false);
            Assert.IsTrue(trainer.Train());
            Assert.AreEqual(8, trainer.Trainer!.MaxIteration);
            Assert.AreEqual(7, Checkpointer.IterationOf(Path.Combine(dir, "model_final.ckpt")));
            // LR by hand: iterations 0-2 as before (warm-up over 2 of 6), then the new schedule: warm-up 2 of 8 is over,
            // x0.1 from iteration 6 (the old schedule had it from 4).
            double[] lr = [2e-5, 0.01001, 0.02, 0.02, 0.02, 0.02, 0.002, 0.002];
            var history = trainer.Trainer.Storage.History("lr").ToList();
            CollectionAssert.AreEqual(Enumerable.Range(0, 8).ToArray(), history.Select(h => h.Iteration).ToArray());
            for (int i = 0; i < 8; i++) Assert.AreEqual(lr[i], history[i].Value, 1e-9, $"lr at iteration {i}");
            // A resume reads config.yaml: it holds the new schedule.
            var saved = RcnnConfig.FromFile(Path.Combine(dir, DefaultTrainer.ConfigFile));
            Assert.AreEqual(8, saved.Solver.MaxIter);
            CollectionAssert.AreEqual(new[] { 6 }, saved.Solver.Steps.ToArray());
            Assert.AreEqual(3, saved.Model.RoiHeads.NumClasses, "the non-solver keys are kept");
            // The end must lie ahead of the iteration done; a refused change leaves the config as it was.
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Reschedule(["SOLVER.MAX_ITER", "7"]));
            Assert.AreEqual(8, trainer.Config.Solver.MaxIter);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void ClassCountMismatchIsAConfigError()
    {
        string dir = Directory.CreateTempSubdirectory("default-trainer").FullName;
        try
        {
            var cfg = TinyConfig(dir);
            cfg.MergeFromList(["MODEL.ROI_HEADS.NUM_CLASSES", "80"]);
            using var trainer = new DefaultTrainer(cfg, Catalog(), new DefaultTrainerOptions { Log = _ => { } });
            var e = Assert.ThrowsExactly<ConfigException>(() => trainer.Train());
            StringAssert.Contains(e.Message, "NUM_CLASSES is 80 but dataset 'bccd_train' has 3 classes [RBC, WBC, Platelets]");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void PreciseBnIsRefusedOnlyWhereDetectron2WouldRunIt()
    {
        string dir = Directory.CreateTempSubdirectory("default-trainer").FullName;
        try
        {
            // GN and FrozenBN have no batch statistics: detectron2 skips PreciseBN there, and so does the port.
            var gn = TinyConfig(dir);
            gn.MergeFromList(["TEST.PRECISE_BN.ENABLED", "True"]);
            using (new DefaultTrainer(gn, Catalog(), new DefaultTrainerOptions { Log = _ => { } })) { }
            var bn = TinyConfig(dir);
            bn.MergeFromList(["TEST.PRECISE_BN.ENABLED", "True", "MODEL.RESNETS.NORM", "BN", "MODEL.BACKBONE.FREEZE_AT", "0"]);
            var e = Assert.ThrowsExactly<ConfigException>(() => new DefaultTrainer(bn, Catalog(), new DefaultTrainerOptions { Log = _ => { } }));
            StringAssert.Contains(e.Message, "TEST.PRECISE_BN.ENABLED True: recomputing BatchNorm statistics before evaluation is not implemented");
            Assert.AreEqual("TEST.PRECISE_BN.ENABLED", e.Key);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void TrainingWithRandomCropRuns()
    {
        // INPUT.CROP through the trainer: 6 iterations on 160-pixel windows of BCCD images, resized to 96.
        string dir = Directory.CreateTempSubdirectory("default-trainer").FullName;
        try
        {
            var cfg = TinyConfig(dir);
            cfg.MergeFromList(["INPUT.CROP.ENABLED", "True", "INPUT.CROP.TYPE", "absolute", "INPUT.CROP.SIZE", "[160, 160]"]);
            var log = new List<string>();
            using var trainer = new DefaultTrainer(cfg, Catalog(), new DefaultTrainerOptions { Log = log.Add });
            Assert.IsTrue(trainer.Train());
            CollectionAssert.Contains(log, "[data] Augmentations used in training: [RandomCrop(crop_type='absolute', crop_size=[160.0, 160.0]), " +
                "ResizeShortestEdge(short_edge_length=[96], max_size=128, sample_style='choice'), RandomFlip(prob=0.5, horizontal=True, vertical=False)].");
            var losses = trainer.Trainer!.Storage.History("total_loss");
            Assert.AreEqual(6, losses.Count);
            Assert.IsTrue(losses.All(h => double.IsFinite(h.Value)));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static float[] FirstWeights(DefaultTrainer t) =>
        t.Model.named_parameters().First(p => p.name.EndsWith("cls_score.weight")).parameter.detach().cpu().data<float>().ToArray();
}
